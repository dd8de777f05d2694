#pragma once
// Strings that keep their capacity from one request to the next on a thread: a stream's pending
// bytes and its record for mid-stream failover grow to a few KiB per request, past what malloc
// caches per thread (1 KiB), so a fresh string costs malloc's slow path twice per stream. A string
// given back empties and waits on its thread's short list for the next request there.
// At most kMaxSpareStrings are kept per thread, none above kMaxSpareCapacity (a slow stream that
// takes one must stay small: 16 spares of 16 KiB at most, whatever the number of streams).
#include <cstddef>
#include <string>

namespace switchyard::base {

inline constexpr std::size_t kMaxSpareStrings = 16;
inline constexpr std::size_t kMaxSpareCapacity = 16 * 1024;

// An empty string, with the capacity of one given back on this thread if there is one.
std::string takeSpareString();
// Keeps what `text` holds (emptied) for the next takeSpareString() on this thread, or frees it;
// `text` is left empty, without capacity.
void keepSpareString(std::string& text) noexcept;

// A spare string for one scope (a coroutine's frame), given back when the scope ends.
class SpareString {
 public:
  SpareString() : text_(takeSpareString()) {}
  ~SpareString() { keepSpareString(text_); }
  SpareString(const SpareString&) = delete;
  SpareString& operator=(const SpareString&) = delete;

  std::string& operator*() { return text_; }

 private:
  std::string text_;
};

}  // namespace switchyard::base
