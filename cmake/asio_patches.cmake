# Two edits to Asio 1.81, each measured against the stock build (README, issue 11 "Asio, edited at
# configure time"). Copies of the edited headers go in a directory searched before Boost's own; each
# edit must match exactly once, or configuring stops (the top CMakeLists.txt asks for Boost 1.81
# exactly). SY_PATCH_ASIO=OFF builds with stock Asio.
#
# 1. Short reads. nginx's `rev->ready`, on the receive side: after a read that returned less than it
#    asked for, the socket is drained, so the next read waits for epoll instead of trying the socket
#    first. Stock Asio tries every read at once, and so pays a receive that answers EAGAIN for nearly
#    every request on each side of the proxy.
#    Why it is safe: descriptors are registered edge-triggered, and every byte or end of stream that
#    arrives after the read that drained the socket raises a new epoll event. The one case a short
#    read cannot vouch for is an end of stream that came with the data and was already reported in
#    an event the reactor took: so descriptors are also registered for EPOLLRDHUP, and once the
#    peer's end of stream has been seen every read is tried at once again (it answers 0 then, never
#    EAGAIN). Peeks never count as draining. tests/unit/http/short_read_test.cpp holds the cases that
#    could lose a wake-up.
#
# 2. Asio's recycled blocks on our free lists. Asio keeps freed operation and coroutine-frame blocks
#    of up to 1,020 bytes per thread in a few slots, takes the first cached block that is large
#    enough and, when none is, frees one: with a request's mix of sizes (112 to 976 bytes) and 64
#    requests in flight, about 5 blocks per request went back to malloc. base::recycling keeps a
#    free list per size class (64-byte classes to 1 KiB, then 1 KiB classes to 8 KiB, 64 blocks a
#    class and thread), which also recycles the frames above 1,020 bytes that Asio never did.

function(sy_patch_asio_header boost_include relative_path out_dir)
  set(source "${boost_include}/${relative_path}")
  if(NOT EXISTS "${source}")
    message(FATAL_ERROR "SY_PATCH_ASIO: ${source} not found")
  endif()
  file(READ "${source}" text)
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 3 ${last} 2)
    math(EXPR j "${i} + 1")
    set(from "${ARGV${i}}")
    set(to "${ARGV${j}}")
    string(FIND "${text}" "${from}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "SY_PATCH_ASIO: ${relative_path} does not contain the text to edit:\n${from}")
    endif()
    string(REPLACE "${from}" "${to}" text "${text}")
  endforeach()
  file(WRITE "${out_dir}/${relative_path}.new" "${text}")
  # Rewritten only when changed, so that a reconfigure does not rebuild everything.
  file(COPY_FILE "${out_dir}/${relative_path}.new" "${out_dir}/${relative_path}" ONLY_IF_DIFFERENT)
  file(REMOVE "${out_dir}/${relative_path}.new")
endfunction()

function(sy_patch_asio out_dir)
  get_target_property(boost_dirs Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
  list(GET boost_dirs 0 boost_include)
  file(MAKE_DIRECTORY "${out_dir}/boost/asio/detail/impl")

  # 1. Short reads. The descriptor's state remembers that the peer's end of stream was reported.
  sy_patch_asio_header("${boost_include}" boost/asio/detail/epoll_reactor.hpp "${out_dir}"
    "    bool shutdown_;\n"
    "    bool shutdown_;\n    bool peer_shut_down_; // Switchyard: EPOLLRDHUP seen (cmake/asio_patches.cmake)\n")

  sy_patch_asio_header("${boost_include}" boost/asio/detail/impl/epoll_reactor.ipp "${out_dir}"
    # Registration: ask for EPOLLRDHUP, and start a reused state afresh (twice: sockets and
    # internal descriptors).
    "    descriptor_data->shutdown_ = false;\n"
    "    descriptor_data->shutdown_ = false;\n    descriptor_data->peer_shut_down_ = false;\n"
    "  ev.events = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLPRI | EPOLLET;\n"
    "  ev.events = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLPRI | EPOLLET | EPOLLRDHUP;\n"
    # A read tried at once that drained the socket: wait for epoll next time, unless the end of
    # stream was already reported.
    "          if (status == reactor_op::done_and_exhausted)\n            if (descriptor_data->registered_events_ != 0)\n"
    "          if (status == reactor_op::done_and_exhausted)\n            if (descriptor_data->registered_events_ != 0\n                && !(op_type == read_op && descriptor_data->peer_shut_down_))\n"
    # A read performed on an epoll event: the same.
    "  static const int flag[max_ops] = { EPOLLIN, EPOLLOUT, EPOLLPRI };\n"
    "  static const int flag[max_ops] = { EPOLLIN, EPOLLOUT, EPOLLPRI };\n  if (events & (EPOLLRDHUP | EPOLLHUP))\n    peer_shut_down_ = true;\n"
    "          if (status == reactor_op::done_and_exhausted)\n          {\n            try_speculative_[j] = false;\n"
    "          if (status == reactor_op::done_and_exhausted\n              && !(j == read_op && peer_shut_down_))\n          {\n            try_speculative_[j] = false;\n")

  # A receive on a stream socket that returned less than its buffers hold drained the socket.
  sy_patch_asio_header("${boost_include}" boost/asio/detail/reactive_socket_recv_op.hpp "${out_dir}"
    "    status result;\n    if (bufs_type::is_single_buffer)\n    {\n"
    "    status result;\n    std::size_t room;\n    if (bufs_type::is_single_buffer)\n    {\n      room = bufs_type::first(o->buffers_).size();\n"
    "      bufs_type bufs(o->buffers_);\n      result = socket_ops::non_blocking_recv("
    "      bufs_type bufs(o->buffers_);\n      room = bufs.total_size();\n      result = socket_ops::non_blocking_recv("
    "        if (o->bytes_transferred_ == 0)\n          result = done_and_exhausted;\n"
    "        if (o->bytes_transferred_ == 0\n            || (!o->ec_ && o->bytes_transferred_ < room\n              && (o->flags_ & MSG_PEEK) == 0))\n          result = done_and_exhausted;\n")

  # 2. Operation and coroutine-frame blocks on base::recycling's free lists. The stock functions
  # stay, renamed and unused.
  sy_patch_asio_header("${boost_include}" boost/asio/detail/thread_info_base.hpp "${out_dir}"
    "namespace boost {\nnamespace asio {\nnamespace detail {\n"
    "// Switchyard: src/base/recycling_allocator.h (cmake/asio_patches.cmake).\nnamespace switchyard { namespace base { namespace recycling {\nvoid* allocate(std::size_t bytes);\nvoid deallocate(void* block, std::size_t bytes) noexcept;\n} } }\n\nnamespace boost {\nnamespace asio {\nnamespace detail {\n"
    "  template <typename Purpose>\n  static void* allocate(Purpose, thread_info_base* this_thread,\n"
    "  // Switchyard: a block of the thread's free lists, or (over-aligned) of the heap; the byte past\n  // the caller's size says which, as the stock code keeps its size class there.\n  template <typename Purpose>\n  static void* allocate(Purpose, thread_info_base*, std::size_t size, std::size_t align = BOOST_ASIO_DEFAULT_ALIGN)\n  {\n    const bool recycled = align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__;\n    unsigned char* const mem = static_cast<unsigned char*>(recycled\n        ? ::switchyard::base::recycling::allocate(size + 1) : aligned_new(align, size + 1));\n    mem[size] = recycled ? 1 : 0;\n    return mem;\n  }\n\n  template <typename Purpose>\n  static void deallocate(Purpose, thread_info_base*, void* pointer, std::size_t size)\n  {\n    if (static_cast<unsigned char*>(pointer)[size] == 1)\n      ::switchyard::base::recycling::deallocate(pointer, size + 1);\n    else\n      aligned_delete(pointer);\n  }\n\n  template <typename Purpose>\n  static void* allocate_in_slots(Purpose, thread_info_base* this_thread,\n"
    "  template <typename Purpose>\n  static void deallocate(Purpose, thread_info_base* this_thread,\n"
    "  template <typename Purpose>\n  static void deallocate_in_slots(Purpose, thread_info_base* this_thread,\n")

  include_directories(BEFORE SYSTEM "${out_dir}")
  message(STATUS "Asio: patched headers in ${out_dir} (cmake/asio_patches.cmake)")
endfunction()
