#include "tools/cloister/history_command.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "base/files.h"
#include "tools/cloister/client_context.h"

namespace cloister::tools {
namespace {

using nlohmann::json;

struct HistoryFlags {
  CommonOptions common;
  std::string which;
  std::string file;
  bool json = false;
  bool plaintext = false;
};

Result<client::HistoryStore*> synced(Session& session, std::optional<client::HistoryStore>& store) {
  store.emplace(session.history());
  CLOISTER_TRY(store->sync());
  return &*store;
}

int run_list(const HistoryFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  std::optional<client::HistoryStore> holder;
  auto store = synced(*session, holder);
  if (!store.ok()) return report_failure(store.error());
  auto all = (*store)->list();
  if (!all.ok()) return report_failure(all.error());
  if (flags.json) {
    json out = json::array();
    for (const client::Conversation& c : *all) {
      out.push_back({{"id", c.id},
                     {"title", c.title},
                     {"folder", c.folder},
                     {"messages", c.messages.size()},
                     {"updated_ms", c.updated_ms},
                     {"version", c.version}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const client::Conversation& c : *all) {
    std::cout << c.id << "  " << format_rfc3339(from_unix_seconds(c.updated_ms / 1000)) << "  "
              << c.title << (c.folder.empty() ? "" : "  [" + c.folder + "]") << "  ("
              << c.messages.size() << " messages)\n";
  }
  if (all->empty()) std::cerr << "(no conversations)\n";
  return kExitOk;
}

int run_show(const HistoryFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  std::optional<client::HistoryStore> holder;
  auto store = synced(*session, holder);
  if (!store.ok()) return report_failure(store.error());
  auto conversation = (*store)->load(flags.which);
  if (!conversation.ok()) return report_failure(conversation.error());
  if (flags.json) {
    std::cout << client::conversation_to_json(*conversation).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "# " << conversation->title
            << (conversation->folder.empty() ? "" : "  [" + conversation->folder + "]") << "\n";
  if (!conversation->system.empty()) std::cout << "(system) " << conversation->system << "\n";
  for (const client::HistoryMessage& message : conversation->messages) {
    std::cout << "\n[" << message.role << "]" << (message.receipt.empty() ? "" : " (receipt)")
              << "\n"
              << message.content << "\n";
  }
  return kExitOk;
}

int run_export(const HistoryFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  std::optional<client::HistoryStore> holder;
  auto store = synced(*session, holder);
  if (!store.ok()) return report_failure(store.error());
  auto text = flags.plaintext ? (*store)->export_plaintext() : (*store)->export_encrypted();
  if (!text.ok()) return report_failure(text.error());
  if (flags.file == "-") {
    std::cout << *text;
  } else if (auto written = write_file_atomically(flags.file, as_bytes(*text), 0600);
             !written.ok()) {
    return report_failure(written.error());
  } else {
    std::cerr << "Exported to " << flags.file
              << (flags.plaintext ? " (PLAINTEXT: anyone who reads this file reads your history)"
                                  : " (encrypted under this account's history key)")
              << "\n";
  }
  return kExitOk;
}

int run_import(const HistoryFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  std::string text;
  if (flags.file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto read = read_text_file(flags.file, 256 << 20);
    if (!read.ok()) return report_failure(read.error());
    text = std::move(*read);
  }
  auto store = session->history();
  auto imported = store.import(text);
  if (!imported.ok()) return report_failure(imported.error());
  std::cout << "Imported " << *imported << " conversation(s)\n";
  return kExitOk;
}

int run_remove(const HistoryFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  std::optional<client::HistoryStore> holder;
  auto store = synced(*session, holder);
  if (!store.ok()) return report_failure(store.error());
  auto conversation = (*store)->load(flags.which);
  if (!conversation.ok()) return report_failure(conversation.error());
  if (auto removed = (*store)->remove(*conversation); !removed.ok()) {
    return report_failure(removed.error());
  }
  std::cout << "Deleted " << conversation->id << " (" << conversation->title << ")\n";
  return kExitOk;
}

}  // namespace

void register_history_commands(Program& program) {
  CLI::App* history = program.app().add_subcommand(
      "history", "The conversation history (encrypted at the host and in the local cache)");
  history->require_subcommand(1);
  auto flags = std::make_shared<HistoryFlags>();

  CLI::App* list = history->add_subcommand("list", "List conversations, newest first");
  add_common_options(list, flags->common);
  list->add_flag("--json", flags->json, "Print JSON");
  program.on(list, [flags] { return run_list(*flags); });

  CLI::App* show = history->add_subcommand("show", "Print a conversation");
  add_common_options(show, flags->common);
  show->add_option("ID", flags->which, "Id, id prefix or exact title")->required();
  show->add_flag("--json", flags->json, "Print JSON");
  program.on(show, [flags] { return run_show(*flags); });

  CLI::App* exp = history->add_subcommand(
      "export", "Export every conversation to FILE (- for stdout), encrypted unless --plaintext");
  add_common_options(exp, flags->common);
  exp->add_option("FILE", flags->file, "Output file, or -")->required();
  exp->add_flag("--plaintext", flags->plaintext, "Write readable JSON (only when you mean it)");
  program.on(exp, [flags] { return run_export(*flags); });

  CLI::App* imp = history->add_subcommand("import", "Import an export (encrypted or plaintext)");
  add_common_options(imp, flags->common);
  imp->add_option("FILE", flags->file, "Input file, or -")->required();
  program.on(imp, [flags] { return run_import(*flags); });

  CLI::App* rm = history->add_subcommand("rm", "Delete a conversation everywhere");
  add_common_options(rm, flags->common);
  rm->add_option("ID", flags->which, "Id, id prefix or exact title")->required();
  program.on(rm, [flags] { return run_remove(*flags); });
}

}  // namespace cloister::tools
