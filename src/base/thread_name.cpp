#include "base/thread_name.h"

#include <pthread.h>

#include <algorithm>

namespace switchyard::base {

void nameThisThread(std::string_view name) {
  char buffer[16] = {};  // the kernel's limit: 15 bytes and the terminating zero
  name.copy(buffer, std::min<std::size_t>(name.size(), sizeof buffer - 1));
  pthread_setname_np(pthread_self(), buffer);  // best effort: a name is for people, nothing depends on it
}

}  // namespace switchyard::base
