// Appending to a tiled log: new leaves go into the rightmost tiles and entry
// bundles; a tile that fills up is written in full and its hash moves up a
// level. Only files for the new tree size are written, as tlog-tiles asks.
#pragma once

#include <span>

#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

namespace cloister::tlog {

// Appends `entries` to the log in `storage` whose tiles currently make up the
// tree of `current`, and returns the (unsigned) checkpoint of the new tree.
// Fails with kFailedPrecondition if the stored tiles do not reproduce
// current.root, and with kInvalidArgument if an entry exceeds 65535 bytes.
Result<Checkpoint> append_to_tiles(TileStorage& storage, const Checkpoint& current,
                                   std::span<const Bytes> entries);

}  // namespace cloister::tlog
