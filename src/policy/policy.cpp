#include "policy/policy.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "policy/serialize.h"

namespace nucleus::policy {

Policy Policy::make(std::string label, std::string work_dir, const Envelope& envelope) {
  return Policy(std::move(label), std::move(work_dir), normalize(envelope));
}

OperationSet Policy::trifecta_obligations() const {
  OperationSet out;
  if (!trifecta_complete(envelope_.capabilities)) return out;
  for (Operation op : kExfiltrationOperations) {
    if (envelope_.capabilities.obliged(op)) out.set(index_of(op));
  }
  return out;
}

std::string Policy::checksum() const {
  const std::string canonical = envelope_to_json(envelope_).dump();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &length, EVP_sha256(),
                 nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed in OpenSSL EVP_Digest");
  }
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::allow: return "allow";
    case Verdict::approval_required: return "approval_required";
    case Verdict::deny: return "deny";
  }
  return "deny";
}

namespace {

void record_capability_caps(const Capabilities& requested, const Capabilities& granted,
                            std::vector<std::string>& capped) {
  for (Operation op : kAllOperations) {
    if (requested.level(op) > granted.level(op)) {
      capped.push_back(fmt::format("{}: {} -> {}", to_string(op), to_string(requested.level(op)),
                                   to_string(granted.level(op))));
    } else if (granted.level(op) != Level::never && granted.obliged(op) && !requested.obliged(op)) {
      capped.push_back(fmt::format("{}: needs approval", to_string(op)));
    }
  }
}

}  // namespace

Delegation delegate(const Policy& parent, const Envelope& request, std::string child_label) {
  const Envelope bounded = meet(parent.envelope(), request);
  Policy child = Policy::make(std::move(child_label), parent.work_dir(), bounded);
  const Envelope& granted = child.envelope();

  std::vector<std::string> capped;
  record_capability_caps(request.capabilities, granted.capabilities, capped);
  if (!(granted.paths == request.paths)) capped.emplace_back("paths");
  if (!(granted.commands == request.commands)) capped.emplace_back("commands");
  if (!(granted.egress == request.egress)) capped.emplace_back("dns_allow");
  if (!(granted.budget == request.budget)) capped.emplace_back("budget");
  if (!(granted.time == request.time)) capped.emplace_back("time");
  return Delegation{std::move(child), std::move(capped)};
}

}  // namespace nucleus::policy
