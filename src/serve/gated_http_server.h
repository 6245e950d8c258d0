// cpp-httplib's Server with the connection handling `lmforge serve` needs and httplib 0.11 does
// not offer: a listen backlog that takes a burst (the library is built with 5: a burst of 40
// connects saw resets), a ConnectionGate in front of every connection (over capacity or over the
// per-address bound: 429 at once, then a graceful close), and a bound on the time one request
// may take to arrive (a client sending a byte at a time holds a connection thread for at most
// that long, not for as long as it keeps sending).
//
// The keep-alive loop is ours (httplib's process_and_close_socket is replaced); each request is
// parsed and routed by httplib's own process_request over a socket stream with a deadline.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>

#include "lmforge/serve/connection_gate.h"

namespace lmforge::serve {

class GatedHttpServer : public httplib::Server {
 public:
  // request_read_seconds: from a request's first byte until its body is read; 0 = no bound.
  GatedHttpServer(ConnectionGate& gate, double request_read_seconds);

  // Re-listens on the bound socket with `backlog` pending connections (Linux takes a second
  // listen() on a listening socket as a new backlog; the kernel caps it at somaxconn).
  void widen_backlog(int backlog);

  // Called with the verdict of each refused connection (for metrics and the log).
  std::function<void(ConnectionGate::Verdict, const std::string& address)> on_refused;

  // The 429 a refused connection gets: a complete HTTP response closing the connection.
  static std::string refusal_response(ConnectionGate::Verdict verdict, int retry_after_seconds);

 private:
  bool process_and_close_socket(socket_t sock) override;
  ConnectionGate& gate_;
  std::chrono::duration<double> request_read_;
};

}  // namespace lmforge::serve
