#include "base/spare_strings.h"

#include <utility>
#include <vector>

namespace switchyard::base {
namespace {

thread_local std::vector<std::string> t_spares;

}  // namespace

std::string takeSpareString() {
  if (t_spares.empty()) return {};
  std::string text = std::move(t_spares.back());
  t_spares.pop_back();
  return text;
}

void keepSpareString(std::string& text) noexcept {
  const std::size_t capacity = text.capacity();
  // A string that never allocated has nothing worth keeping.
  if (capacity <= std::string().capacity() || capacity > kMaxSpareCapacity || t_spares.size() >= kMaxSpareStrings) {
    std::string().swap(text);
    return;
  }
  try {
    if (t_spares.capacity() < kMaxSpareStrings) t_spares.reserve(kMaxSpareStrings);  // once per thread
  } catch (...) {
    std::string().swap(text);
    return;
  }
  text.clear();
  t_spares.emplace_back();  // within the reserved capacity: no allocation, no throw
  t_spares.back().swap(text);
}

}  // namespace switchyard::base
