#pragma once
// One request's memory: everything a translation builds (the parsed body, the canonical request,
// strings it had to create) is carved from one monotonic buffer and released at once when the
// request ends. Nothing on the translated path frees memory piecemeal.
#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/pmr/memory_resource.hpp>
#include <boost/json/fwd.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/system/error_code.hpp>

namespace switchyard::canonical {

template <class T>
using Vec = std::pmr::vector<T>;

namespace detail {
// Boost.JSON takes Boost.Container's memory_resource; this one hands out the arena's memory.
class JsonResource final : public boost::container::pmr::memory_resource {
 public:
  explicit JsonResource(std::pmr::memory_resource* memory) : memory_(memory) {}

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override { return memory_->allocate(bytes, align); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const boost::container::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  std::pmr::memory_resource* memory_;
};
}  // namespace detail

class Arena {
 public:
  explicit Arena(std::size_t first_block = 16 * 1024);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  std::pmr::memory_resource* resource() { return &memory_; }
  // The same memory for Boost.JSON documents (json::parse(text, ec, arena.json())).
  const boost::json::storage_ptr& json() const { return json_; }

  // Parses JSON text into a document that lives on the arena (never destroyed piecemeal, so views
  // of its strings stay valid as long as the arena). Null, with `ec` set, when the text is not JSON.
  const boost::json::value* parseJson(std::string_view text, boost::system::error_code& ec);

  // Copies bytes onto the arena; the view lives as long as the arena.
  std::string_view copy(std::string_view text);
  // A string that grows on the arena (for building JSON text before handing out a view of it).
  std::pmr::string string() { return std::pmr::string(&memory_); }

  template <class T>
  Vec<T> vec() { return Vec<T>(&memory_); }

 private:
  std::pmr::monotonic_buffer_resource memory_;
  detail::JsonResource json_resource_{&memory_};
  boost::json::storage_ptr json_{&json_resource_};
};

}  // namespace switchyard::canonical
