#include "providers/target_codec.h"

#include <stdexcept>

namespace switchyard::providers {

std::unique_ptr<TargetCodec> makeTargetCodec(const config::Provider& provider, const std::string& /*model*/,
                                             WallClock /*clock*/) {
  throw std::invalid_argument("provider kind '" + provider.kind + "' has no codec yet");
}

}  // namespace switchyard::providers
