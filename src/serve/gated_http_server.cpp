// Connection admission, backlog and per-request read deadline around httplib (see
// gated_http_server.h).
#include "gated_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lmforge/serve/openai_api.h"

namespace lmforge::serve {

namespace {

using Clock = std::chrono::steady_clock;

std::string address_of(const sockaddr_storage& a, int* port) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    *port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    *port = ntohs(v6->sin6_port);
  }
  return text;
}

std::string peer_address(int fd, int* port) {
  sockaddr_storage a{};
  socklen_t n = sizeof a;
  *port = 0;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&a), &n) != 0) return "";
  return address_of(a, port);
}

// Waits for `events` on fd for at most `timeout` (negative: not at all). True when ready.
bool wait_for(int fd, short events, std::chrono::duration<double> timeout) {
  if (timeout.count() <= 0) return false;
  pollfd p{fd, events, 0};
  const int ms = static_cast<int>(std::min(timeout.count() * 1e3 + 1, 24.0 * 3600e3));
  int r;
  while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR) {
  }
  return r > 0 && (p.revents & events) && !(p.revents & POLLNVAL);
}

// A socket as httplib's Stream, whose reads fail once the current request's deadline passed.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int fd, std::chrono::duration<double> read_timeout, std::chrono::duration<double> write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}
  void start_request(Clock::time_point deadline) { deadline_ = deadline; }

  bool is_readable() const override {
    if (begin_ < end_) return true;
    const std::chrono::duration<double> to_deadline = deadline_ - Clock::now();
    const bool ready = wait_for(fd_, POLLIN, std::min<std::chrono::duration<double>>(read_timeout_, to_deadline));
    if (!ready && Clock::now() >= deadline_) expired_ = true;
    return ready;
  }
  // A read failed because the request's deadline passed. httplib answers a request whose
  // headers failed to arrive with 400 and would read on: the connection must end instead.
  bool expired() const { return expired_; }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_timeout_); }
  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (!is_readable()) return -1;
      ssize_t n;
      while ((n = recv(fd_, buffer_, sizeof buffer_, 0)) < 0 && errno == EINTR) {
      }
      if (n <= 0) return n;
      begin_ = 0, end_ = static_cast<std::size_t>(n);
    }
    const auto n = std::min(size, end_ - begin_);
    std::copy(buffer_ + begin_, buffer_ + begin_ + n, ptr);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    while ((n = send(fd_, ptr, size, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    return n;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { ip = peer_address(fd_, &port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t n = sizeof a;
    port = 0;
    ip.clear();
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0) ip = address_of(a, &port);
  }
  socket_t socket() const override { return fd_; }
  bool buffered() const { return begin_ < end_; }

 private:
  int fd_;
  std::chrono::duration<double> read_timeout_, write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  mutable bool expired_ = false;
  char buffer_[4096];
  std::size_t begin_ = 0, end_ = 0;
};

// Closes so that the client reads the whole reply: FIN after it, then what the client still
// sends is read (briefly) before close(), since closing with unread data sends a reset.
void close_gracefully(int fd) {
  shutdown(fd, SHUT_WR);
  char sink[4096];
  const auto until = Clock::now() + std::chrono::milliseconds(200);
  for (std::size_t drained = 0; drained < (1u << 16) && wait_for(fd, POLLIN, until - Clock::now());) {
    const auto n = recv(fd, sink, sizeof sink, 0);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
  close(fd);
}

}  // namespace

GatedHttpServer::GatedHttpServer(ConnectionGate& gate, double request_read_seconds)
    : gate_(gate), request_read_(request_read_seconds) {}

void GatedHttpServer::widen_backlog(int backlog) {
  const int fd = svr_sock_;
  if (fd >= 0) ::listen(fd, backlog);
}

std::string GatedHttpServer::refusal_response(ConnectionGate::Verdict verdict, int retry_after_seconds) {
  const std::string message =
      verdict == ConnectionGate::Verdict::kTooManyFromAddress
          ? "too many open connections from your address; close some, or retry later"
          : "the server has no free connection; retry later";
  const std::string code = verdict == ConnectionGate::Verdict::kTooManyFromAddress ? "too_many_connections" : "server_busy";
  const auto body = error_json(ApiError(429, "rate_limit_error", code, message)).dump();
  return fmt::format("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                     "Retry-After: {}\r\nConnection: close\r\n\r\n{}",
                     body.size(), std::max(1, retry_after_seconds), body);
}

bool GatedHttpServer::process_and_close_socket(socket_t sock) {
  int port = 0;
  const auto address = peer_address(sock, &port);
  {
    auto ticket = gate_.enter(address);
    if (ticket.verdict() != ConnectionGate::Verdict::kAdmitted) {
      const auto reply = refusal_response(ticket.verdict(), 1);
      // One write of a few hundred bytes into an empty send buffer: it does not block.
      (void)!send(sock, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (on_refused) on_refused(ticket.verdict(), address);
      close_gracefully(sock);
      return true;
    }
    using Seconds = std::chrono::duration<double>;
    DeadlineStream stream(sock, Seconds(static_cast<double>(read_timeout_sec_) + read_timeout_usec_ * 1e-6),
                          Seconds(static_cast<double>(write_timeout_sec_) + write_timeout_usec_ * 1e-6));
    const Seconds keep_alive(static_cast<double>(keep_alive_timeout_sec_));
    for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
      // Between requests: an idle keep-alive connection waits at most keep_alive for the next.
      if (!stream.buffered() && !wait_for(sock, POLLIN, keep_alive)) break;
      stream.start_request(request_read_.count() > 0
                               ? Clock::now() + std::chrono::duration_cast<Clock::duration>(request_read_)
                               : Clock::time_point::max());
      bool closed = false;
      if (!process_request(stream, left == 1, closed, nullptr) || closed || stream.expired()) break;
    }
  }
  close_gracefully(sock);
  return true;
}

}  // namespace lmforge::serve
