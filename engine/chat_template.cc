#include "engine/chat_template.h"

#include <array>

namespace cloister::engine {
namespace {

struct NamedFormat {
  std::string_view name;
  ChatFormat format;
};

constexpr std::array<NamedFormat, 5> kFormats = {{
    {"chatml", ChatFormat::kChatMl},
    {"llama3", ChatFormat::kLlama3},
    {"llama2", ChatFormat::kLlama2},
    {"mistral", ChatFormat::kMistral},
    {"phi3", ChatFormat::kPhi3},
}};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool has_token(const Vocab& vocab, std::string_view text) { return vocab.find(text).has_value(); }

std::string_view trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

Status check_roles(std::span<const ChatMessage> messages) {
  for (const ChatMessage& m : messages) {
    if (m.role != "system" && m.role != "user" && m.role != "assistant") {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown chat role '" + m.role + "' (system, user and assistant are allowed)");
    }
  }
  return ok_status();
}

std::string render_chatml(std::span<const ChatMessage> messages, bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages) {
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  }
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_llama3(std::span<const ChatMessage> messages, bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages) {
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n";
    out += trim(m.content);
    out += "<|eot_id|>";
  }
  if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string render_phi3(std::span<const ChatMessage> messages, bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
  if (add_generation_prompt) out += "<|assistant|>\n";
  return out;
}

// Llama 2 and Mistral: user and assistant turns alternate, starting with the
// user; a system message may only come first.
Result<std::string> render_inst(ChatFormat format, std::span<const ChatMessage> messages) {
  std::string system;
  size_t first = 0;
  if (!messages.empty() && messages[0].role == "system") {
    system = std::string(trim(messages[0].content));
    first = 1;
  }
  std::string out;
  bool expect_user = true;
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if ((m.role == "user") != expect_user) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(chat_format_name(format)) +
                       " chats must alternate user and assistant turns, starting with the user "
                       "(a system message may only come first)");
    }
    if (expect_user) {
      // Llama 2 opens every user turn with BOS (the tokenizer adds the first).
      if (i > first && format == ChatFormat::kLlama2) out += "<s>";
      out += "[INST] ";
      if (i == first && !system.empty()) {
        if (format == ChatFormat::kLlama2) {
          out.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
        } else {
          out.append(system).append("\n\n");
        }
      }
      out.append(trim(m.content)).append(" [/INST]");
    } else {
      if (format == ChatFormat::kLlama2) out += " ";
      out.append(trim(m.content));
      out += format == ChatFormat::kLlama2 ? " </s>" : "</s>";
    }
    expect_user = !expect_user;
  }
  return out;
}

}  // namespace

std::optional<ChatFormat> chat_format_from_name(std::string_view name) {
  for (const NamedFormat& f : kFormats) {
    if (f.name == name) return f.format;
  }
  if (name == "llama-3" || name == "llama31") return ChatFormat::kLlama3;
  if (name == "llama-2") return ChatFormat::kLlama2;
  if (name == "phi-3") return ChatFormat::kPhi3;
  return std::nullopt;
}

std::string_view chat_format_name(ChatFormat format) {
  for (const NamedFormat& f : kFormats) {
    if (f.format == format) return f.name;
  }
  return "unknown";
}

std::optional<ChatFormat> detect_chat_format(std::string_view chat_template, const Vocab& vocab) {
  if (contains(chat_template, "<|im_start|>")) return ChatFormat::kChatMl;
  if (contains(chat_template, "<|start_header_id|>")) return ChatFormat::kLlama3;
  if (contains(chat_template, "<|assistant|>") && contains(chat_template, "<|end|>")) {
    return ChatFormat::kPhi3;
  }
  if (contains(chat_template, "[INST]")) {
    return contains(chat_template, "<<SYS>>") ? ChatFormat::kLlama2 : ChatFormat::kMistral;
  }
  if (has_token(vocab, "<|im_start|>") && has_token(vocab, "<|im_end|>"))
    return ChatFormat::kChatMl;
  if (has_token(vocab, "<|start_header_id|>") && has_token(vocab, "<|eot_id|>")) {
    return ChatFormat::kLlama3;
  }
  if (has_token(vocab, "<|assistant|>") && has_token(vocab, "<|end|>")) return ChatFormat::kPhi3;
  if (has_token(vocab, "[INST]")) return ChatFormat::kMistral;
  return std::nullopt;
}

Result<std::string> render_chat(ChatFormat format, std::span<const ChatMessage> messages,
                                bool add_generation_prompt) {
  CLOISTER_TRY(check_roles(messages));
  switch (format) {
    case ChatFormat::kChatMl: return render_chatml(messages, add_generation_prompt);
    case ChatFormat::kLlama3: return render_llama3(messages, add_generation_prompt);
    case ChatFormat::kPhi3: return render_phi3(messages, add_generation_prompt);
    case ChatFormat::kLlama2:
    case ChatFormat::kMistral: return render_inst(format, messages);
  }
  return Error(ErrorCode::kInternal, "unknown chat format");
}

}  // namespace cloister::engine
