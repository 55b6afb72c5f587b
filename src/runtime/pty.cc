#include "runtime/pty.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "sys/syscalls.h"

namespace nest::runtime {

base::Result<Pty> OpenContainerPty(pid_t init_pid) {
  std::string proc = "/proc/" + std::to_string(init_pid);
  base::UniqueFd root = TRY(sys::Open(proc + "/root", O_PATH | O_DIRECTORY));
  Pty pty;
  pty.master = TRY(sys::OpenInRoot(root.get(), "/dev/pts/ptmx", O_RDWR | O_NOCTTY));
  int unlock = 0;
  if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) < 0)
    return base::Error::FromErrno("unlocking the terminal", errno);
  int slave = ::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return base::Error::FromErrno("opening the terminal's peer", errno);
  pty.slave.reset(slave);
  // The init runs as the container's root: its host ids are the ones to give.
  struct stat st {};
  if (::stat(proc.c_str(), &st) < 0) return base::Error::FromErrno("stat " + proc, errno);
  TRY(sys::Fchown(pty.slave.get(), st.st_uid, st.st_gid + 5));
  return pty;
}

}  // namespace nest::runtime
