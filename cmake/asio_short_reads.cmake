# Asio's reactor, taught the receive side of nginx's `rev->ready`: after a read that returned less
# than it asked for, the socket is drained, so the next read waits for epoll instead of trying the
# socket first. Stock Asio 1.81 tries every read at once and so pays a receive that answers EAGAIN
# for nearly every request on each side of the proxy: one system call of the six a request makes.
#
# Why it is safe: the descriptors are registered edge-triggered, and every byte or end of stream that
# arrives after the read that drained the socket raises a new epoll event. The one case a short read
# cannot vouch for is an end of stream that came with the data, already reported in an event the
# reactor took: so descriptors are also registered for EPOLLRDHUP, and once the peer's end of stream
# has been seen, every read is tried at once again (it answers 0 then, never EAGAIN). Peeks never
# count as draining. tests/unit/http/short_read_test.cpp holds the cases that could lose a wake-up.
#
# How: copies of three Asio headers from the Boost found (exactly 1.81, the top CMakeLists.txt asks
# for it), edited below, in a directory searched before Boost's own. Each edit must match once, or
# configuring stops: a different Asio gets stock behaviour only by turning SY_ASIO_SHORT_READS off.

function(sy_patch_asio_header boost_include relative_path out_dir)
  set(source "${boost_include}/${relative_path}")
  if(NOT EXISTS "${source}")
    message(FATAL_ERROR "SY_ASIO_SHORT_READS: ${source} not found")
  endif()
  file(READ "${source}" text)
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 3 ${last} 2)
    math(EXPR j "${i} + 1")
    set(from "${ARGV${i}}")
    set(to "${ARGV${j}}")
    string(FIND "${text}" "${from}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "SY_ASIO_SHORT_READS: ${relative_path} does not contain the text to edit:\n${from}")
    endif()
    string(REPLACE "${from}" "${to}" text "${text}")
  endforeach()
  file(WRITE "${out_dir}/${relative_path}.new" "${text}")
  # Rewritten only when changed, so that a reconfigure does not rebuild everything.
  file(COPY_FILE "${out_dir}/${relative_path}.new" "${out_dir}/${relative_path}" ONLY_IF_DIFFERENT)
  file(REMOVE "${out_dir}/${relative_path}.new")
endfunction()

function(sy_asio_short_reads out_dir)
  get_target_property(boost_dirs Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
  list(GET boost_dirs 0 boost_include)
  file(MAKE_DIRECTORY "${out_dir}/boost/asio/detail/impl")

  # The descriptor's state remembers that the peer's end of stream was reported.
  sy_patch_asio_header("${boost_include}" boost/asio/detail/epoll_reactor.hpp "${out_dir}"
    "    bool shutdown_;\n"
    "    bool shutdown_;\n    bool peer_shut_down_; // Switchyard: EPOLLRDHUP seen (cmake/asio_short_reads.cmake)\n")

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

  include_directories(BEFORE SYSTEM "${out_dir}")
  message(STATUS "Asio: short reads wait for epoll (patched headers in ${out_dir})")
endfunction()
