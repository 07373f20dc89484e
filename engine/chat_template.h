// Chat formats: turning OpenAI-style messages into the prompt text a chat
// model was trained on. The format is chosen from the model's
// tokenizer.chat_template (recognized by its markers, not executed) and the
// special tokens in its vocabulary, or named explicitly. The text does not
// include BOS: tokenizing with add_special adds it when the model wants it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "engine/tokenizer/vocab.h"

namespace cloister::engine {

enum class ChatFormat {
  kChatMl,   // Qwen, SmolLM: <|im_start|>role\n...<|im_end|>
  kLlama3,   // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
  kLlama2,   // [INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] ... </s><s>
  kMistral,  // [INST] ... [/INST]...</s> (system text joins the first user turn)
  kPhi3,     // <|user|>\n...<|end|>\n<|assistant|>\n
};

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

// Returns the format called `name` ("chatml", "llama3", "llama2", "mistral", "phi3").
std::optional<ChatFormat> chat_format_from_name(std::string_view name);

// Returns the canonical name of `format`.
std::string_view chat_format_name(ChatFormat format);

// Recognizes the format of a model from its Jinja chat template (may be
// empty) and, failing that, from its vocabulary's special tokens.
std::optional<ChatFormat> detect_chat_format(std::string_view chat_template, const Vocab& vocab);

// Renders `messages` in `format`, ending with the assistant's turn opener
// when `add_generation_prompt`. Fails on an unknown role or on roles in an
// order the format cannot express.
Result<std::string> render_chat(ChatFormat format, std::span<const ChatMessage> messages,
                                bool add_generation_prompt);

}  // namespace cloister::engine
