#include "containerd_socket.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster::detail {

void require_containerd_socket(const std::string& socket_path) {
  std::string path = socket_path;
  if (path.starts_with("unix://")) path = path.substr(7);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path))
    throw Error(fmt::format("containerd socket path '{}' is empty or too long for a unix socket", socket_path),
                "pass --import containerd=/run/containerd/containerd.sock");
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(fmt::format("cannot create a unix socket: {}", std::strerror(errno)));
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  } while (rc != 0 && errno == EINTR);
  int error = rc == 0 ? 0 : errno;
  ::close(fd);
  switch (error) {
    case 0:
      return;
    case ENOENT:
      throw Error(fmt::format("containerd is not running at {}: the socket does not exist", socket_path),
                  "start containerd, or pass its socket: --import containerd=SOCKET");
    case ECONNREFUSED:
      throw Error(fmt::format("containerd is not running at {}: nothing listens on the socket", socket_path),
                  "start containerd (the socket file is left over from an earlier run)");
    case EACCES:
    case EPERM:
      throw Error(fmt::format("permission denied on the containerd socket {}", socket_path),
                  "run as root, or as a member of the socket's group");
    case ENOTSOCK:
      throw Error(fmt::format("{} is not a unix socket", socket_path), "pass containerd's socket: --import containerd=SOCKET");
    default:
      throw Error(fmt::format("cannot connect to containerd at {}: {}", socket_path, std::strerror(error)),
                  "check that containerd runs and listens there");
  }
}

}  // namespace coldstart::cluster::detail
