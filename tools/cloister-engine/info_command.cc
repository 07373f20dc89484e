// info: prints what a GGUF file holds, and whether (and how) the engine can run it.
#include <iostream>
#include <map>
#include <memory>

#include "engine/engine.h"
#include "engine/gguf/gguf.h"
#include "tools/cloister-engine/commands.h"

namespace cloister::tools::engine_cli {
namespace {

struct InfoArgs {
  std::string model;
};

int run_info(Program& program, const InfoArgs& args) {
  Result<engine::GgufFile> file = engine::GgufFile::open(args.model);
  if (!file.ok()) return program.fail(file.error());
  std::cout << "file: " << args.model << "\n";
  std::cout << "gguf version: " << file->version() << "\n";
  std::cout << "file size: " << file->file_size() << " bytes\n";
  std::cout << "metadata keys: " << file->metadata().size() << "\n";
  std::cout << "tensors: " << file->tensors().size() << "\n";
  std::map<std::string, std::pair<uint32_t, uint64_t>> types;  // name -> (count, bytes)
  for (const engine::GgufTensor& tensor : file->tensors()) {
    auto& entry = types[std::string(engine::tensor_type_name(tensor.type))];
    ++entry.first;
    entry.second += tensor.data.size();
  }
  for (const auto& [name, entry] : types) {
    std::cout << "  " << name << ": " << entry.first << " tensors, " << entry.second << " bytes\n";
  }

  Result<std::shared_ptr<const engine::Model>> model = engine::Model::load(args.model);
  if (!model.ok()) {
    std::cout << "runnable: no (" << model.error().message() << ")\n";
    return kExitRejected;
  }
  const engine::ModelInfo& info = (*model)->info();
  std::cout << "runnable: yes\n";
  std::cout << "architecture: " << info.architecture << "\n";
  if (!info.name.empty()) std::cout << "name: " << info.name << "\n";
  std::cout << "parameters: " << info.n_params << "\n";
  std::cout << "vocabulary: " << info.n_vocab << " (" << info.tokenizer_model
            << (info.tokenizer_model == "llama" ? ", SentencePiece" : ", byte-level BPE")
            << ", pre-tokenizer " << info.tokenizer_pre << ")\n";
  std::cout << "embedding: " << info.n_embd << "\n";
  std::cout << "layers: " << info.n_layer << "\n";
  std::cout << "heads: " << info.n_head << " (kv " << info.n_head_kv << ", head width "
            << info.head_dim << ")\n";
  std::cout << "feed-forward: " << info.n_ff << "\n";
  std::cout << "context: " << info.n_ctx_train << " trained, " << info.context_length
            << " by default\n";
  std::cout << "rope: base " << info.rope_freq_base
            << (info.llama3_rope_freqs ? ", llama3 frequency factors" : "") << "\n";
  std::cout << "tied embeddings: " << (info.tied_embeddings ? "yes" : "no") << "\n";
  std::cout << "chat template: "
            << (info.chat_format ? std::string(engine::chat_format_name(*info.chat_format))
                                 : std::string("none recognized"))
            << "\n";
  return kExitOk;
}

}  // namespace

void add_info_command(Program& program) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* command = program.app().add_subcommand("info", "Describe a GGUF model file");
  command->add_option("-m,--model", args->model, "GGUF file")->required();
  program.on(command, [&program, args] { return run_info(program, *args); });
}

}  // namespace cloister::tools::engine_cli
