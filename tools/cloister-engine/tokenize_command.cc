// tokenize: prints token ids in the format of llama.cpp's tokenizer test
// files (each id preceded by a space, one line per text).
#include <iostream>
#include <iterator>
#include <memory>

#include "base/files.h"
#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"
#include "tools/cloister-engine/commands.h"

namespace cloister::tools::engine_cli {
namespace {

struct TokenizeArgs {
  std::string model;
  std::string text;
  std::string inp;
  bool no_bos = false;
  bool parse_special = false;
};

void print_ids(const std::vector<engine::TokenId>& ids) {
  std::string line;
  for (engine::TokenId id : ids) line += " " + std::to_string(id);
  std::cout << line << "\n";
}

// llama.cpp's .inp files: cases separated by "\n__ggml_vocab_test__\n".
std::vector<std::string> split_inp(const std::string& text) {
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> cases;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos;
       at = text.find(separator, start)) {
    cases.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  if (start < text.size()) cases.push_back(text.substr(start));
  return cases;
}

int run_tokenize(Program& program, const TokenizeArgs& args) {
  if (args.inp.empty() == args.text.empty()) {
    return program.fail(
        Error(ErrorCode::kInvalidArgument, "give either TEXT (or -) or --inp FILE"));
  }
  Result<engine::GgufFile> file = engine::GgufFile::open(args.model);
  if (!file.ok()) return program.fail(file.error());
  Result<engine::Tokenizer> tokenizer = engine::Tokenizer::from_gguf(*file);
  if (!tokenizer.ok()) return program.fail(tokenizer.error());

  if (!args.inp.empty()) {
    // The test files' ids are computed without BOS and without special tokens.
    Result<std::string> inp = read_text_file(args.inp);
    if (!inp.ok()) return program.fail(inp.error());
    for (const std::string& text : split_inp(*inp)) {
      print_ids(tokenizer->encode(text, false, false));
    }
    return kExitOk;
  }
  std::string text = args.text;
  if (text == "-") text.assign(std::istreambuf_iterator<char>(std::cin), {});
  print_ids(tokenizer->encode(text, !args.no_bos, args.parse_special));
  return kExitOk;
}

}  // namespace

void add_tokenize_command(Program& program) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* command =
      program.app().add_subcommand("tokenize", "Print the token ids of a text, space-separated");
  command->add_option("-m,--model", args->model, "GGUF file (a vocabulary-only file is enough)")
      ->required();
  command->add_option("text", args->text, "Text to tokenize, or - to read standard input");
  command->add_option("--inp", args->inp,
                      "Tokenize each case of a llama.cpp .inp file (no BOS, no special tokens) "
                      "and print one line per case");
  command->add_flag("--no-bos", args->no_bos, "Do not add BOS/EOS even if the model asks for it");
  command->add_flag("--parse-special", args->parse_special,
                    "Turn control-token texts such as <|im_end|> into those tokens");
  program.on(command, [&program, args] { return run_tokenize(program, *args); });
}

}  // namespace cloister::tools::engine_cli
