#pragma once
// The dashboard's static files (src/dashboard/), compiled into the binary by cmake/embed_assets.cmake.
#include <cstddef>
#include <span>
#include <string_view>

namespace switchyard::proxy {

struct EmbeddedAsset {
  std::string_view name;       // the file name, e.g. "dashboard.js"
  const unsigned char* bytes;  // `size` bytes (followed by a NUL not counted in size)
  std::size_t size;
};

std::span<const EmbeddedAsset> dashboardAssets();

}  // namespace switchyard::proxy
