// Connection admission by total and per-address counts (see connection_gate.h).
#include "lmforge/serve/connection_gate.h"

#include <algorithm>

#include "lmforge/common/error.h"

namespace lmforge::serve {

ConnectionGate::ConnectionGate(int capacity, int per_address)
    : capacity_(capacity), per_address_(std::clamp(per_address, 1, std::max(1, capacity))) {
  if (capacity < 1) usage_error("serve: connection capacity must be >= 1, got {}", capacity);
}

ConnectionGate::Ticket::Ticket(Ticket&& other) noexcept
    : gate_(other.gate_), address_(std::move(other.address_)), verdict_(other.verdict_) {
  other.gate_ = nullptr;
}

ConnectionGate::Ticket& ConnectionGate::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (gate_) gate_->leave(address_);
    gate_ = other.gate_, address_ = std::move(other.address_), verdict_ = other.verdict_;
    other.gate_ = nullptr;
  }
  return *this;
}

ConnectionGate::Ticket::~Ticket() {
  if (gate_) gate_->leave(address_);
}

ConnectionGate::Ticket ConnectionGate::enter(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(address);
  const int mine = it == by_address_.end() ? 0 : it->second;
  if (mine >= per_address_) return Ticket(nullptr, address, Verdict::kTooManyFromAddress);
  if (open_ >= capacity_) return Ticket(nullptr, address, Verdict::kBusy);
  ++open_;
  ++by_address_[address];
  return Ticket(this, address, Verdict::kAdmitted);
}

void ConnectionGate::leave(const std::string& address) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = by_address_.find(address);
  if (it != by_address_.end() && --it->second <= 0) by_address_.erase(it);
}

int ConnectionGate::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

int ConnectionGate::open_from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(address);
  return it == by_address_.end() ? 0 : it->second;
}

}  // namespace lmforge::serve
