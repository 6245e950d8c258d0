// Which client connections the server takes on: at most `capacity` open at once (one connection
// thread each) and at most `per_address` from one client address, so that a client holding many
// slow connections cannot take every thread and starve the others. A connection beyond either
// bound is answered at once with 429 and closed (never left waiting in a queue or reset).
//
//   ConnectionGate gate(/*capacity=*/32, /*per_address=*/24);
//   auto ticket = gate.enter("10.0.0.7");
//   if (ticket.verdict() != ConnectionGate::Verdict::kAdmitted) { answer 429; close; }
//   ...                                        // the ticket leaves the gate when it goes out of scope
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace lmforge::serve {

class ConnectionGate {
 public:
  // capacity >= 1; per_address in [1, capacity] (larger is clamped).
  ConnectionGate(int capacity, int per_address);

  enum class Verdict { kAdmitted, kBusy, kTooManyFromAddress };

  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();
    Verdict verdict() const { return verdict_; }

   private:
    friend class ConnectionGate;
    Ticket(ConnectionGate* gate, std::string address, Verdict verdict)
        : gate_(gate), address_(std::move(address)), verdict_(verdict) {}
    ConnectionGate* gate_;  // null when refused or moved from: nothing to release
    std::string address_;
    Verdict verdict_;
  };

  Ticket enter(const std::string& address);

  int capacity() const { return capacity_; }
  int per_address() const { return per_address_; }
  int open() const;                                 // admitted connections now
  int open_from(const std::string& address) const;  // admitted connections of one address

 private:
  void leave(const std::string& address);
  const int capacity_;
  const int per_address_;
  mutable std::mutex mutex_;
  int open_ = 0;
  std::map<std::string, int> by_address_;  // only addresses with open connections (bounded by capacity)
};

}  // namespace lmforge::serve
