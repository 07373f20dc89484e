#include "engine/chat_template.h"

#include <vector>

#include <gtest/gtest.h>

#include "engine/gguf/gguf.h"
#include "testing/test_data.h"

namespace cloister::engine {
namespace {

const std::vector<ChatMessage> kConversation = {
    {"system", "Be brief."},
    {"user", "Hi"},
    {"assistant", "Hello!"},
    {"user", "Bye"},
};

std::string render(ChatFormat format, const std::vector<ChatMessage>& messages = kConversation) {
  Result<std::string> text = render_chat(format, messages, true);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message());
  return text.ok() ? *text : "";
}

// Expected strings follow each format's published Jinja template.
TEST(ChatTemplate, RendersChatMl) {
  EXPECT_EQ(render(ChatFormat::kChatMl),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplate, RendersLlama3) {
  EXPECT_EQ(render(ChatFormat::kLlama3),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplate, RendersLlama2WithASystemBlock) {
  EXPECT_EQ(render(ChatFormat::kLlama2),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]");
}

TEST(ChatTemplate, RendersMistralWithTheSystemTextInTheFirstTurn) {
  EXPECT_EQ(render(ChatFormat::kMistral),
            "[INST] Be brief.\n\nHi [/INST]Hello!</s>[INST] Bye [/INST]");
}

TEST(ChatTemplate, RendersPhi3) {
  EXPECT_EQ(render(ChatFormat::kPhi3),
            "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
            "<|user|>\nBye<|end|>\n<|assistant|>\n");
}

TEST(ChatTemplate, RejectsUnknownRolesAndBadTurnOrder) {
  EXPECT_FALSE(
      render_chat(ChatFormat::kChatMl, std::vector<ChatMessage>{{"tool", "x"}}, true).ok());
  EXPECT_FALSE(
      render_chat(ChatFormat::kLlama2, std::vector<ChatMessage>{{"user", "a"}, {"user", "b"}}, true)
          .ok());
}

TEST(ChatTemplate, NamesRoundTrip) {
  for (ChatFormat format : {ChatFormat::kChatMl, ChatFormat::kLlama3, ChatFormat::kLlama2,
                            ChatFormat::kMistral, ChatFormat::kPhi3}) {
    EXPECT_EQ(chat_format_from_name(chat_format_name(format)), format);
  }
  EXPECT_FALSE(chat_format_from_name("nonsense").has_value());
}

TEST(ChatTemplate, DetectsTheFormatFromTemplateOrVocabulary) {
  CLOISTER_TEST_DATA(qwen_path, "vocab/ggml-vocab-qwen2.gguf");
  CLOISTER_TEST_DATA(spm_path, "vocab/ggml-vocab-llama-spm.gguf");
  Result<GgufFile> qwen_file = GgufFile::open(qwen_path);
  Result<GgufFile> spm_file = GgufFile::open(spm_path);
  ASSERT_TRUE(qwen_file.ok() && spm_file.ok());
  Result<Vocab> qwen = Vocab::from_gguf(*qwen_file);
  Result<Vocab> spm = Vocab::from_gguf(*spm_file);
  ASSERT_TRUE(qwen.ok() && spm.ok());
  // No template: the vocabulary's <|im_start|>/<|im_end|> say ChatML.
  EXPECT_EQ(detect_chat_format("", *qwen), ChatFormat::kChatMl);
  EXPECT_EQ(detect_chat_format("", *spm), std::nullopt);
  EXPECT_EQ(detect_chat_format("{{ '<|start_header_id|>' + role }}", *spm), ChatFormat::kLlama3);
  EXPECT_EQ(detect_chat_format("{% if x %}[INST] <<SYS>>{% endif %}", *spm), ChatFormat::kLlama2);
  EXPECT_EQ(detect_chat_format("{{ '[INST] ' + content + ' [/INST]' }}", *spm),
            ChatFormat::kMistral);
  EXPECT_EQ(detect_chat_format("{{'<|user|>' + '\n'}}{{'<|end|>'}}{{'<|assistant|>'}}", *spm),
            ChatFormat::kPhi3);
}

}  // namespace
}  // namespace cloister::engine
