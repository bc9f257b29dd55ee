#!/bin/sh
# Installs an airlock release: the unpacked directory this script is in, or a tarball given as
# its argument (checked against TARBALL.sha256 when that file lies beside it).
#
#   sudo ./install.sh [--root DIR] [--prefix DIR] [--bindir DIR] [--sharedir DIR] [TARBALL]
#
# --prefix   where the release goes (default /opt/airlock); replaced whole on every run, so a
#            second run or a newer release leaves exactly one release there
# --bindir   where airlock-export, airlock-import, diode-send and diode-receive are linked (default
#            /usr/local/bin, the path the systemd units name)
# --sharedir where man pages (man/man1) and bash completion (bash-completion/completions) are
#            linked (default /usr/local/share)
# --root     install into the file system tree DIR as if it were / (an image, a test): every path
#            above is taken inside DIR, links point where they will from inside it (default /);
#            a symbolic link on those paths that leads out of DIR is refused (exit 2), nothing changed
# It also creates the user airlock and its directories, the one way every unit and the recipes in docs/
# rely on: systemd/sysusers.d/airlock.conf and systemd/tmpfiles.d/airlock.conf of the release go to
# /usr/local/lib/sysusers.d and /usr/local/lib/tmpfiles.d (read by systemd at boot) and are applied
# now (systemd-sysusers, systemd-tmpfiles --create; useradd and install -d where those are absent).
# Exit codes: 0 installed; 2 bad usage, or a path this script will not overwrite; 3 the tarball does
# not match its .sha256; 1 anything else. The release needs no JDK: it runs on its own runtime/.
set -eu

prefix=/opt/airlock
bindir=/usr/local/bin
sharedir=/usr/local/share
root=
libdir=/usr/local/lib
commands="airlock-export airlock-import diode-send diode-receive"
tarball=
die() { code=$1; shift; echo "install.sh: $*" >&2; exit "$code"; }
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die 2 "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --bindir) [ $# -ge 2 ] || die 2 "--bindir needs a directory"; bindir=$2; shift 2 ;;
    --bindir=*) bindir=${1#*=}; shift ;;
    --sharedir) [ $# -ge 2 ] || die 2 "--sharedir needs a directory"; sharedir=$2; shift 2 ;;
    --sharedir=*) sharedir=${1#*=}; shift ;;
    --root) [ $# -ge 2 ] || die 2 "--root needs a directory"; root=$2; shift 2 ;;
    --root=*) root=${1#*=}; shift ;;
    -h|--help) sed -n '2,23s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die 2 "unknown option $1 (try --help)" ;;
    *) [ -z "$tarball" ] || die 2 "one tarball at a time"; tarball=$1; shift ;;
  esac
done
case $prefix in /*) ;; *) die 2 "--prefix must be an absolute path: $prefix" ;; esac
prefix=${prefix%/}
[ -n "$prefix" ] || die 2 "--prefix / is not a place for a release"
if [ -n "$root" ]; then
  case $root in /*) ;; *) die 2 "--root must be an absolute path: $root" ;; esac
  [ -d "$root" ] || die 2 "--root $root is not a directory"
  root=$(cd "$root" && pwd -P)
  [ "$root" != / ] || root=
  for dir in "$bindir" "$sharedir"; do
    case $dir in /*) ;; *) die 2 "with --root, --bindir and --sharedir must be absolute paths: $dir" ;; esac
  done
fi
# Where things land on this machine: inside --root, if given. Links and the units name the paths
# without it, as they will be seen from inside.
dest=$root$prefix

work=
new= old=
# A run that stops half-way removes its copy and an unused old name; a previous release moved to $old stays.
cleanup() { [ -z "$work" ] || rm -rf "$work"; [ -z "$new" ] || rm -rf "$new"; [ -z "$old" ] || rmdir "$old" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ -n "$tarball" ]; then
  [ -f "$tarball" ] || die 2 "no such file: $tarball"
  if [ -f "$tarball.sha256" ]; then
    want=$(cut -d' ' -f1 < "$tarball.sha256")
    have=$(sha256sum < "$tarball" | cut -d' ' -f1)
    [ "$want" = "$have" ] || die 3 "$tarball does not match $tarball.sha256 (sha256 $have, expected $want): damaged or replaced; nothing installed"
    echo "checked  $tarball against $tarball.sha256"
  else
    echo "note     no $tarball.sha256 beside the tarball: its checksum was not checked" >&2
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-install.XXXXXX")
  tar -xzf "$tarball" -C "$work" || die 1 "cannot unpack $tarball"
  set -- "$work"/airlock-*/.airlock-release
  [ -f "$1" ] || die 2 "$tarball is not an airlock release (no airlock-VERSION/.airlock-release inside)"
  src=${1%/.airlock-release}
else
  src=$(cd "$(dirname "$0")" && pwd -P)
  [ -f "$src/.airlock-release" ] || die 2 "$src is not an unpacked airlock release; give the tarball as argument"
fi
version=$(cat "$src/.airlock-release")

# With --root, nothing may be written outside DIR. cp, mv, rm -rf, install -d, chown and chmod all
# follow a symbolic link, so before anything is changed every existing component of every path
# written below (the prefix and its parents, bindir, sharedir, /etc and its user databases,
# /usr/local/lib/{sysusers,tmpfiles}.d, every directory of the tmpfiles file) is checked: a link
# that resolves inside DIR (a Debian root's relative /bin -> usr/bin, /var/run -> ../run) is fine;
# one that resolves outside it (an absolute link, or ../ out of DIR) or cannot be resolved, and a
# ".." component, are refused with exit 2. The names linked in bindir and sharedir are not checked:
# ln -sfn replaces a link there without following it. Without --root, a link is the admin's choice.
inside_root() {
  rest=$1 at=
  while [ -n "$rest" ]; do
    rest=${rest#/}
    part=${rest%%/*}
    case $rest in */*) rest=${rest#*/} ;; *) rest= ;; esac
    [ -n "$part" ] && [ "$part" != . ] || continue
    [ "$part" != .. ] || die 2 "--root $root: $1 has a '..' component; nothing installed"
    at=$at/$part
    [ -L "$root$at" ] || continue
    real=$(readlink -f -- "$root$at") || real=
    case $real in
      "$root"/*) ;;
      *) die 2 "--root $root: $root$at is a symbolic link to ${real:-a path that cannot be resolved}, outside the root; nothing installed" ;;
    esac
  done
}
if [ -n "$root" ]; then
  for path in "$prefix" "$bindir" "$sharedir/man/man1" "$sharedir/bash-completion/completions" \
      /etc/passwd /etc/group /etc/shadow /etc/gshadow "$libdir/sysusers.d/airlock.conf" "$libdir/tmpfiles.d/airlock.conf" \
      $(grep '^d ' "$src/systemd/tmpfiles.d/airlock.conf" 2>/dev/null | while read -r _ path _; do echo "$path"; done); do
    inside_root "$path"
  done
fi

# Only an earlier airlock release (or nothing, or an empty directory) is replaced at the prefix.
if [ -e "$dest" ] && [ ! -f "$dest/.airlock-release" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  die 2 "$dest exists and is not an airlock release; choose another --prefix or empty it"
fi
if [ "$src" = "$(cd "$dest" 2>/dev/null && pwd -P)" ]; then
  die 2 "$src is already the installed release; give a tarball to install a new one"
fi
for name in $commands; do
  if [ -e "$root$bindir/$name" ] && [ ! -L "$root$bindir/$name" ]; then
    die 2 "$root$bindir/$name exists and is not a link; remove it or choose another --bindir"
  fi
done

# Copy beside the prefix, then swap: a run that stops half-way leaves the old release in place.
parent=$(dirname "$dest")
mkdir -p "$parent"
# Fresh names made by mktemp (O_EXCL: never a name someone planted, such as a link to a directory
# elsewhere that mv would move the release into); mv -T renames onto the empty directory.
new=$(mktemp -d "$dest.new.XXXXXX")
old=$(mktemp -d "$dest.old.XXXXXX")
cp -R "$src/." "$new"
chmod -R u+rwX,go+rX,go-w "$new"
if [ -e "$dest" ]; then mv -T "$dest" "$old"; fi
mv -T "$new" "$dest"
rm -rf "$old"

mkdir -p "$root$bindir" "$root$sharedir/man/man1" "$root$sharedir/bash-completion/completions"
linked=
for name in $commands; do
  [ -f "$dest/bin/$name" ] || continue
  ln -sfn "$prefix/bin/$name" "$root$bindir/$name"
  linked="$linked${linked:+, }$bindir/$name"
done
for name in airlock-export airlock-import; do
  ln -sfn "$prefix/share/bash-completion/completions/$name" "$root$sharedir/bash-completion/completions/$name"
done
for page in "$dest"/share/man/man1/*.1; do
  [ -f "$page" ] || continue
  ln -sfn "$prefix/share/man/man1/${page##*/}" "$root$sharedir/man/man1/${page##*/}"
done

echo "installed airlock $version in $dest"
echo "linked   $linked${root:+ (inside $root)}"
echo "linked   man pages in $sharedir/man/man1, bash completion in $sharedir/bash-completion/completions"

# The user airlock and its directories: one way, from the two files every unit and the recipes in docs/ rely on.
# systemd reads /usr/local/lib/{sysusers,tmpfiles}.d too (at boot, tmpfiles restores modes and owners).
users=$dest/systemd/sysusers.d/airlock.conf
dirs=$dest/systemd/tmpfiles.d/airlock.conf
[ -f "$users" ] && [ -f "$dirs" ] || die 1 "$dest/systemd lacks sysusers.d/airlock.conf or tmpfiles.d/airlock.conf: not a whole release"
install -d "$root/etc" "$root$libdir/sysusers.d" "$root$libdir/tmpfiles.d"
install -m 0644 "$users" "$root$libdir/sysusers.d/airlock.conf"
install -m 0644 "$dirs" "$root$libdir/tmpfiles.d/airlock.conf"
users=$root$libdir/sysusers.d/airlock.conf
dirs=$root$libdir/tmpfiles.d/airlock.conf

# Whether user or group NAME exists, in --root's /etc/passwd or /etc/group if given, else as this host resolves it.
known() {
  if [ -n "$root" ]; then grep -q "^$2:" "$root/etc/$1" 2>/dev/null; else getent "$1" "$2" >/dev/null; fi
}
# useradd where systemd-sysusers is absent: the file's "u NAME - GECOS HOME SHELL" lines (all it holds).
users_by_hand() {
  grep '^u ' "$users" | while read -r _ name _ gecos home shell; do
    known passwd "$name" && continue
    if known group "$name"; then group="--gid $name"; else group=--user-group; fi
    # shellcheck disable=SC2086 # $group is two words or one
    useradd ${root:+--prefix "$root"} --system $group --no-create-home --comment "$(echo "$gecos" | tr -d '"')" \
      --home-dir "$home" --shell "$shell" "$name" || exit 1
  done
}
# The numeric id of user or group NAME inside --root (names resolve against its /etc/passwd, /etc/group).
id_in_root() {
  [ "$2" != root ] || { echo 0; return 0; }
  awk -F: -v n="$2" '$1 == n { print $3; found = 1 } END { exit !found }' "$root/etc/$1" || { echo "install.sh: no $2 in $root/etc/$1" >&2; return 1; }
}
# install -d where systemd-tmpfiles is absent: the file's "d PATH MODE USER GROUP AGE" lines (all it holds).
dirs_by_hand() {
  grep '^d ' "$dirs" | while read -r _ path mode user group _; do
    if [ -n "$root" ]; then
      user=$(id_in_root passwd "$user") || exit 1
      group=$(id_in_root group "$group") || exit 1
    fi
    install -d -m "$mode" "$root$path" && chown "$user:$group" "$root$path" && chmod "$mode" "$root$path" || exit 1
  done
}
if command -v systemd-sysusers >/dev/null 2>&1; then
  systemd-sysusers ${root:+--root="$root"} "$users" || die 1 "systemd-sysusers $users failed"
else
  users_by_hand || die 1 "cannot create the user airlock (useradd, from $users)"
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
  systemd-tmpfiles ${root:+--root="$root"} --create "$dirs" || die 1 "systemd-tmpfiles --create $dirs failed"
else
  dirs_by_hand || die 1 "cannot create airlock's directories (install -d, from $dirs)"
fi
echo "created  the user airlock and its directories ($libdir/sysusers.d/airlock.conf, $libdir/tmpfiles.d/airlock.conf)"
echo "systemd  units in $prefix/systemd (not enabled; see $prefix/docs/: folder-intake.md, sftp-inbox.md, data-diode.md, gitlab-secure.md)"
