// The recorded, resumable chown walk of the `dir` storage driver: rewrites the
// owner of every entry of a tree from one id map to another, with its POSIX
// ACLs (access and default) and its file capability's root id.
//
// Journal (a file beside the tree): a header naming the shift, then one record
// rewritten in place before each entry is touched: the entry's index in the
// walk order (tree_walk.h), its path and its state before the shift (owner,
// mode, capability, ACLs). A walk killed at any point is finished by
// ResumeShift: entries before the recorded one are done, the recorded one is
// redone from its recorded state (idempotent), the rest are shifted; so every
// entry is shifted exactly once. The walk order is stable because nothing else
// writes to the tree until the walk is finished (the container cannot start).
// The journal survives the death of the process, not a host crash (no fsync).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/id_shift.h"

namespace nest::storage {

// Called once the tree is at `map`, before the journal is removed: where the
// caller records the tree's map (a crash in between redoes nothing twice).
using ShiftCommit = std::function<base::Status(const core::Idmap& map)>;

// Shifts every entry of `root` (the root too) by `shift`, journalled in
// `journal` (which must not exist), then calls `commit` and removes the journal. Symlinks are
// lchown'd and never followed; setuid/setgid bits (cleared by chown) are restored. With
// NEST_DEBUG_SHIFT_KILL_AFTER=N in the environment, the process kills itself with SIGKILL right
// after chown'ing entry N (0 is the root), before that entry's mode, ACLs and capability are
// restored: for tests of resume.
base::Status ShiftTree(const std::string& root, const std::string& journal,
                       const core::IdShift& shift, const ShiftCommit& commit);

// Finishes the walk recorded in `journal`, if there is one, calls `commit` with
// the journal's target map and removes the journal. Returns that map, or
// nullopt when there was no journal. kInvalid for a journal nest did not write, or whose
// recorded entry is not where the walk finds it.
base::Result<std::optional<core::Idmap>> ResumeShift(const std::string& root,
                                                     const std::string& journal,
                                                     const ShiftCommit& commit);

}  // namespace nest::storage
