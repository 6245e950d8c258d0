#include "train_launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "lmforge/common/error.h"

namespace lmforge::cli {

namespace {

struct Worker {
  int rank = 0;
  pid_t pid = -1;
  int out = -1, err = -1;        // read ends of its stdout / stderr pipes
  std::string out_line, err_line;  // a line not yet complete
  bool exited = false;
  int status = 0;
};

std::string describe(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

bool failed(int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; }

// Writes the complete lines of `pending` to `to`, each prefixed with the rank; keeps the rest.
void forward(std::string& pending, int rank, std::FILE* to, bool flush_all) {
  std::size_t start = 0;
  for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
    std::fprintf(to, "[rank %d] %.*s\n", rank, static_cast<int>(nl - start), pending.data() + start);
    start = nl + 1;
  }
  pending.erase(0, start);
  if (flush_all && !pending.empty()) {
    std::fprintf(to, "[rank %d] %s\n", rank, pending.c_str());
    pending.clear();
  }
  std::fflush(to);
}

void drain(int& fd, std::string& pending, int rank, std::FILE* to) {
  if (fd < 0) return;
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof buffer);
  if (n > 0) {
    pending.append(buffer, static_cast<std::size_t>(n));
    forward(pending, rank, to, false);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    forward(pending, rank, to, true);
    close(fd);
    fd = -1;
  }
}

Worker spawn(const std::string& self, const std::vector<std::string>& args, int rank) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) runtime_error("cannot create pipes for worker {}: {}", rank, std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) runtime_error("cannot start worker {}: {}", rank, std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a worker never outlives its launcher
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    close(out[0]), close(out[1]), close(err[0]), close(err[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(self.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(self.c_str(), argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", self.c_str(), std::strerror(errno));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  return Worker{.rank = rank, .pid = pid, .out = out[0], .err = err[0]};
}

}  // namespace

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) runtime_error("cannot open a socket: {}", std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    runtime_error("cannot find a free port on 127.0.0.1: {}", std::strerror(errno));
  }
  close(fd);
  return ntohs(address.sin_port);
}

void launch_workers(const WorkerLaunch& launch) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) runtime_error("cannot find this executable (/proc/self/exe): {}", std::strerror(errno));
  self[n] = '\0';
  const int port = free_loopback_port();
  std::vector<Worker> workers;
  for (int rank = 0; rank < launch.nproc; ++rank) {
    auto args = launch.worker_args;
    for (const auto& a : {std::string("--rank"), std::to_string(rank), std::string("--world-size"),
                          std::to_string(launch.nproc), std::string("--master-addr"), std::string("127.0.0.1"),
                          std::string("--master-port"), std::to_string(port)})
      args.push_back(a);
    workers.push_back(spawn(self, args, rank));
  }

  std::optional<std::string> failure;  // the first worker that failed, in words
  std::chrono::steady_clock::time_point failed_at;
  bool terminated = false, killed = false;
  auto running = [&] {
    for (const auto& w : workers)
      if (!w.exited || w.out >= 0 || w.err >= 0) return true;
    return false;
  };
  while (running()) {
    std::vector<pollfd> fds;
    std::vector<std::pair<Worker*, bool>> owners;  // worker, is stdout
    for (auto& w : workers) {
      if (w.out >= 0) fds.push_back({w.out, POLLIN, 0}), owners.push_back({&w, true});
      if (w.err >= 0) fds.push_back({w.err, POLLIN, 0}), owners.push_back({&w, false});
    }
    if (!fds.empty() && poll(fds.data(), fds.size(), 200) > 0) {
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto [w, is_out] = owners[i];
        if (is_out) drain(w->out, w->out_line, w->rank, stdout);
        else drain(w->err, w->err_line, w->rank, stderr);
      }
    } else if (fds.empty()) {
      usleep(100000);
    }
    // Among workers found dead together, the one killed by a signal is the cause (the others
    // failed because their collectives lost it).
    Worker* first = nullptr;
    for (auto& w : workers) {
      if (w.exited || waitpid(w.pid, &w.status, WNOHANG) != w.pid) continue;
      w.exited = true;
      if (failed(w.status) && (!first || (WIFSIGNALED(w.status) && !WIFSIGNALED(first->status)))) first = &w;
    }
    if (first && !failure) {
      failure = fmt::format("worker rank {} (pid {}) {}", first->rank, first->pid, describe(first->status));
      failed_at = std::chrono::steady_clock::now();
    }
    if (failure) {
      // The others usually stop by themselves (their collectives fail); stragglers are stopped.
      const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - failed_at).count();
      if (!terminated && since > launch.grace_s) {
        for (auto& w : workers)
          if (!w.exited) kill(w.pid, SIGTERM);
        terminated = true;
      }
      if (!killed && since > launch.grace_s + 2) {
        for (auto& w : workers)
          if (!w.exited) kill(w.pid, SIGKILL);
        killed = true;
      }
    }
  }
  if (failure)
    runtime_error("{}; the other workers were stopped (continue from the last checkpoint with --resume)", *failure);
}

}  // namespace lmforge::cli
