// Is the client of a request still connected? cpp-httplib 0.11 does not hand a handler its
// socket, so the probe finds it once by the connection's two addresses (among this process's
// open sockets), then polls it without blocking: a peer that closed or reset the connection
// shows as hang-up / read end-of-file. Generation asks it at every piece of text and while
// waiting for a slot, and stops work nobody will read.
#pragma once

#include <string>

namespace lmforge::serve {

class ConnectionProbe {
 public:
  // Finds the socket whose local port is `local_port` and peer port is `remote_port`; when none
  // is found (an unusual platform) the probe always says "connected".
  ConnectionProbe(const std::string& remote_addr, int remote_port, int local_port);
  bool connected() const;
  bool found() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace lmforge::serve
