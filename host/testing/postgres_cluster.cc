#include "host/testing/postgres_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "host/store/pg_db.h"

namespace cloister::host::testing {
namespace {

// Returns a port the kernel just handed out (and released) on 127.0.0.1.
uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

// As root, programs run as `postgres` (PostgreSQL refuses root).
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

}  // namespace

int run_program(const std::vector<std::string>& argv, std::string* output) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string collected;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
    collected.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (output != nullptr) *output = std::move(collected);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Result<std::filesystem::path> find_postgres_bin() {
  std::error_code error;
  std::filesystem::path root = "/usr/lib/postgresql";
  std::filesystem::path best;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    auto bin = entry.path() / "bin";
    if (std::filesystem::exists(bin / "initdb") && std::filesystem::exists(bin / "pg_ctl") &&
        (best.empty() ||
         entry.path().filename().string() > best.parent_path().filename().string())) {
      best = bin;
    }
  }
  if (best.empty()) {
    return Error(ErrorCode::kUnavailable,
                 "PostgreSQL server binaries not found under /usr/lib/postgresql (run "
                 "scripts/setup)");
  }
  return best;
}

Result<std::unique_ptr<PostgresCluster>> PostgresCluster::start() {
  CLOISTER_ASSIGN_OR_RETURN(auto bin, find_postgres_bin());
  std::string pattern = (std::filesystem::temp_directory_path() / "cloister-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error(ErrorCode::kIo, "cannot create a temporary directory for PostgreSQL");
  }
  std::filesystem::path dir = pattern;
  if (::geteuid() == 0) {
    passwd* user = ::getpwnam("postgres");
    if (user == nullptr || ::chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
      std::filesystem::remove_all(dir);
      return Error(ErrorCode::kUnavailable,
                   "running as root, but there is no postgres user to "
                   "run the test cluster as");
    }
  }
  std::string output;
  auto data = (dir / "data").string();
  if (run_program(as_server_user({(bin / "initdb").string(), "-D", data, "-U", "postgres", "-A",
                                  "trust", "-E", "UTF8", "--no-sync", "--locale=C"}),
                  &output) != 0) {
    std::filesystem::remove_all(dir);
    return Error(ErrorCode::kUnavailable, "initdb failed: " + output);
  }
  // A port picked now may be taken by the time the server binds it; retry.
  for (int attempt = 0; attempt < 5; ++attempt) {
    uint16_t port = free_loopback_port();
    std::string options = "-p " + std::to_string(port) + " -k " + dir.string() +
                          " -c listen_addresses=127.0.0.1 -c max_connections=200"
                          // A throwaway cluster need not survive power loss; the
                          // host-crash tests kill the host, never PostgreSQL.
                          " -c fsync=off -c full_page_writes=off";
    if (run_program(as_server_user({(bin / "pg_ctl").string(), "-D", data, "-o", options, "-l",
                                    (dir / "server.log").string(), "-w", "-t", "60", "start"}),
                    &output) == 0) {
      return std::unique_ptr<PostgresCluster>(new PostgresCluster(dir, bin, port, options));
    }
  }
  std::filesystem::remove_all(dir);
  return Error(ErrorCode::kUnavailable, "pg_ctl start failed: " + output);
}

PostgresCluster::~PostgresCluster() {
  run_program(as_server_user({(bin_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m",
                              "immediate", "-w", "stop"}));
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Status PostgresCluster::restart() {
  const std::string data = (dir_ / "data").string();
  std::string output;
  if (run_program(
          as_server_user({(bin_ / "pg_ctl").string(), "-D", data, "-m", "immediate", "-w", "stop"}),
          &output) != 0) {
    return Error(ErrorCode::kInternal, "pg_ctl stop failed: " + output);
  }
  if (run_program(as_server_user({(bin_ / "pg_ctl").string(), "-D", data, "-o", options_, "-l",
                                  (dir_ / "server.log").string(), "-w", "-t", "60", "start"}),
                  &output) != 0) {
    return Error(ErrorCode::kInternal, "pg_ctl start failed: " + output);
  }
  return ok_status();
}

std::string PostgresCluster::conninfo(std::string_view name) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " user=postgres dbname=" + std::string(name) + " connect_timeout=10";
}

Result<std::string> PostgresCluster::create_database(std::string_view name) {
  CLOISTER_ASSIGN_OR_RETURN(auto admin, PgConnection::connect(conninfo()));
  CLOISTER_TRY(admin.exec("CREATE DATABASE " + std::string(name) + " STRATEGY FILE_COPY"));
  return conninfo(name);
}

}  // namespace cloister::host::testing
