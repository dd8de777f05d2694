#pragma once
// Names the calling thread (what `top -H`, `ps -L`, `perf --sort comm` and /proc/PID/task/*/comm show), so
// that an operator can tell a worker from the store or the log writer. Linux keeps 15 bytes; a longer name is
// cut. The process's main thread is left as it is: its name is the process's name for `ps` and `pgrep`.
#include <string_view>

namespace switchyard::base {

void nameThisThread(std::string_view name);

}  // namespace switchyard::base
