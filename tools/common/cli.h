// Shared command-line conventions for every Cloister binary: --help and
// --version, exit codes, and one place where a parsed command line turns into
// the action it selected.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/result.h"

namespace cloister::tools {

// Exit codes shared by all tools. kExitRejected is for verdicts (e.g. evidence
// that parsed but failed a check); kExitUsage is for unusable input or flags.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

// A command-line program: a CLI11 app whose (sub)commands each bind an action.
class Program {
 public:
  // `name` is the binary name; `description` is the first line of --help.
  Program(std::string name, std::string description);

  CLI::App& app() { return app_; }
  const std::string& name() const { return name_; }

  // Runs `action` when `command` (the app itself or a subcommand) is selected.
  void on(CLI::App* command, std::function<int()> action);

  // Parses argv and runs the selected action. With no action selected, prints
  // help. Returns the process exit code.
  int run(int argc, char** argv);

  // Prints "<name>: <message>" to stderr and returns kExitUsage.
  int fail(const Error& error) const;

 private:
  std::string name_;
  CLI::App app_;
  std::function<int()> selected_;
};

}  // namespace cloister::tools
