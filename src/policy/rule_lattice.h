// RuleLattice<Atom>: the free distributive lattice over rule atoms, used for
// the path and command dimensions of an envelope.
//
// An element is a join (OR) of terms; a term is a meet (AND) of atoms, kept
// as a sorted set. Atoms are opaque here: for paths an atom is "matches one
// of these allowed globs" or "does not match this blocked glob"; for
// commands the same with command rules. The element is kept in reduced form
// (no term whose atoms include all of another term's atoms), which is
// canonical for a free distributive lattice, so the lattice laws hold with
// structural equality. leq is sound (a <= b implies every target permitted
// by a is permitted by b) but not complete: it does not reason about what
// two different globs have in common.
//
//   top():    one term with no atoms, permits everything.
//   bottom(): no terms, permits nothing.
//
// Thread safety: values, no shared state.
#pragma once

#include <algorithm>
#include <set>
#include <vector>

namespace nucleus::policy {

template <typename Atom>
class RuleLattice {
 public:
  using Term = std::set<Atom>;

  static RuleLattice top() { return RuleLattice({Term{}}); }
  static RuleLattice bottom() { return RuleLattice({}); }
  static RuleLattice of(Term term) { return RuleLattice({std::move(term)}); }

  const std::vector<Term>& terms() const { return terms_; }

  friend RuleLattice meet(const RuleLattice& a, const RuleLattice& b) {
    std::vector<Term> out;
    for (const Term& x : a.terms_) {
      for (const Term& y : b.terms_) {
        Term merged = x;
        merged.insert(y.begin(), y.end());
        out.push_back(std::move(merged));
      }
    }
    return RuleLattice(std::move(out));
  }

  friend RuleLattice join(const RuleLattice& a, const RuleLattice& b) {
    std::vector<Term> out = a.terms_;
    out.insert(out.end(), b.terms_.begin(), b.terms_.end());
    return RuleLattice(std::move(out));
  }

  // Every term of a is at least as strict as some term of b.
  friend bool leq(const RuleLattice& a, const RuleLattice& b) {
    return std::all_of(a.terms_.begin(), a.terms_.end(), [&](const Term& x) {
      return std::any_of(b.terms_.begin(), b.terms_.end(), [&](const Term& y) {
        return std::includes(x.begin(), x.end(), y.begin(), y.end());
      });
    });
  }

  friend bool operator==(const RuleLattice&, const RuleLattice&) = default;

 private:
  explicit RuleLattice(std::vector<Term> terms) : terms_(reduce(std::move(terms))) {}

  // Drop duplicates and every term that contains all atoms of another term
  // (it is absorbed: x OR (x AND y) == x), then sort for a canonical order.
  static std::vector<Term> reduce(std::vector<Term> terms) {
    std::sort(terms.begin(), terms.end(), [](const Term& x, const Term& y) {
      return x.size() != y.size() ? x.size() < y.size() : x < y;
    });
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    std::vector<Term> kept;
    for (Term& candidate : terms) {
      const bool absorbed = std::any_of(kept.begin(), kept.end(), [&](const Term& k) {
        return std::includes(candidate.begin(), candidate.end(), k.begin(), k.end());
      });
      if (!absorbed) kept.push_back(std::move(candidate));
    }
    std::sort(kept.begin(), kept.end());
    return kept;
  }

  std::vector<Term> terms_;
};

}  // namespace nucleus::policy
