#include "http/client_stream.h"

#include <boost/system/error_code.hpp>

namespace switchyard::http {

ClientStream::ClientStream(TcpSocket socket)
    : socket_(std::move(socket)), watchdog_(socket_.get_executor(), [this] {
        boost::system::error_code ignored;
        socket_.close(ignored);  // whatever is pending fails (operation_aborted)
      }) {}

}  // namespace switchyard::http
