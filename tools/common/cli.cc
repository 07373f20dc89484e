#include "tools/common/cli.h"

#include <exception>
#include <iostream>

#include "base/version.h"

namespace cloister::tools {

Program::Program(std::string name, std::string description)
    : name_(std::move(name)), app_(std::move(description), name_) {
  app_.set_version_flag(
      "--version",
      name_ + " " + std::string(version()) + " (commit " + std::string(source_commit()) + ")",
      "Print the version and exit");
  app_.set_help_all_flag("--help-all", "Print help for every subcommand and exit");
  app_.fallthrough();
}

void Program::on(CLI::App* command, std::function<int()> action) {
  command->callback([this, action = std::move(action)]() { selected_ = action; });
}

int Program::run(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app_.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!selected_) {
    std::cout << app_.help();
    return argc > 1 ? kExitUsage : kExitOk;
  }
  try {
    return selected_();
  } catch (const std::exception& e) {
    // Library exceptions (e.g. from Boost or nlohmann::json) stop here.
    std::cerr << name_ << ": " << e.what() << "\n";
    return kExitUsage;
  }
}

int Program::fail(const Error& error) const {
  std::cerr << name_ << ": " << error.message() << "\n";
  return kExitUsage;
}

}  // namespace cloister::tools
