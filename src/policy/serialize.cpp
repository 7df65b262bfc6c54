#include "policy/serialize.h"

namespace nucleus::policy {

namespace {

using nlohmann::json;

json operation_list(const OperationSet& set) {
  json out = json::array();
  for (Operation op : kAllOperations) {
    if (set.test(index_of(op))) out.push_back(to_string(op));
  }
  return out;
}

template <typename Atom, typename Text>
json rules_to_json(const RuleLattice<Atom>& rules, Text text_of) {
  json terms = json::array();
  for (const auto& term : rules.terms()) {
    json allowed = json::array();
    json blocked = json::array();
    for (const Atom& atom : term) {
      json items = json::array();
      text_of(atom, items);
      if (atom.kind == Atom::Kind::block) {
        blocked.insert(blocked.end(), items.begin(), items.end());
      } else {
        allowed.push_back(std::move(items));
      }
    }
    terms.push_back({{"allowed", std::move(allowed)}, {"blocked", std::move(blocked)}});
  }
  return terms;
}

template <typename T>
json optional_number(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

json envelope_to_json(const Envelope& envelope) {
  json out;
  json capabilities = json::object();
  for (Operation op : kAllOperations) {
    capabilities[std::string(to_string(op))] = to_string(envelope.capabilities.level(op));
  }
  out["capabilities"] = std::move(capabilities);
  out["obligations"] = operation_list(envelope.capabilities.obligations());
  const bool trifecta = trifecta_complete(envelope.capabilities);
  out["trifecta"] = trifecta;
  OperationSet from_trifecta;
  if (trifecta) {
    for (Operation op : kExfiltrationOperations) {
      if (envelope.capabilities.obliged(op)) from_trifecta.set(index_of(op));
    }
  }
  out["trifecta_obligations"] = operation_list(from_trifecta);

  out["paths"] = rules_to_json(envelope.paths, [](const PathAtom& atom, json& items) {
    for (const Glob& g : atom.globs) items.push_back(g.text());
  });
  out["commands"] = rules_to_json(envelope.commands, [](const CommandAtom& atom, json& items) {
    for (const CommandRule& r : atom.rules) items.push_back(r.text());
  });

  json dns_allow = json::array();
  for (const EgressRule& rule : envelope.egress.allow) dns_allow.push_back(rule.text());
  out["dns_allow"] = std::move(dns_allow);

  const BudgetLimits& budget = envelope.budget;
  out["budget"] = {
      {"max_cost_usd", budget.max_cost_usd ? json(budget.max_cost_usd->to_string()) : json(nullptr)},
      {"max_input_tokens", optional_number(budget.max_input_tokens)},
      {"max_output_tokens", optional_number(budget.max_output_tokens)},
  };
  out["time"] = {
      {"valid_from", optional_number(envelope.time.valid_from)},
      {"valid_until", optional_number(envelope.time.valid_until)},
      {"timeout_seconds", optional_number(envelope.time.timeout_seconds)},
  };
  return out;
}

json policy_to_json(const Policy& policy) {
  json out = envelope_to_json(policy.envelope());
  out["label"] = policy.label();
  out["work_dir"] = policy.work_dir();
  out["checksum"] = policy.checksum();
  return out;
}

json decision_to_json(const Decision& decision) {
  return {{"decision", to_string(decision.verdict)}, {"reason", decision.reason}};
}

}  // namespace nucleus::policy
