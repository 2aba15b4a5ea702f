# install-units.cmake — run by `cmake --install`: the systemd units with the
# paths of this installation. deploy/*.service name /usr/bin and
# /etc/taizhang (PREFIX=/usr); CMAKE_INSTALL_PREFIX here is the one given at
# install time (--prefix), so the units match where the binaries went.
# CMakeLists.txt sets TZ_UNIT_SRC, TZ_BINDIR, TZ_DOCDIR and TZ_UNITDIR (empty:
# PREFIX/lib/systemd/system; the Debian packages give /lib/systemd/system)
# before this runs.
set(prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/+$" "" prefix "${prefix}")
# GNUInstallDirs' rule for SYSCONFDIR: /usr installs configure /etc.
if(prefix STREQUAL "/usr" OR prefix STREQUAL "")
  set(etc "/etc")
else()
  set(etc "${prefix}/etc")
endif()
if(TZ_UNITDIR)
  set(dest "$ENV{DESTDIR}${TZ_UNITDIR}")
else()
  set(dest "$ENV{DESTDIR}${prefix}/lib/systemd/system")
endif()
file(MAKE_DIRECTORY "${dest}")
foreach(unit tz-agent.service tz-collector.service tz-portal.service)
  file(READ "${TZ_UNIT_SRC}/${unit}" text)
  string(REPLACE "/usr/bin/" "${prefix}/${TZ_BINDIR}/" text "${text}")
  string(REPLACE "/etc/taizhang/" "${etc}/taizhang/" text "${text}")
  string(REPLACE "/usr/share/doc/taizhang/" "${prefix}/${TZ_DOCDIR}/" text
         "${text}")
  message(STATUS "Installing: ${dest}/${unit}")
  file(WRITE "${dest}/${unit}" "${text}")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${dest}/${unit}")
endforeach()
