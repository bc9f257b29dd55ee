#!/bin/sh
# Installs an airlock release: the unpacked directory this script is in, or a tarball given as
# its argument (checked against TARBALL.sha256 when that file lies beside it).
#
#   sudo ./install.sh [--prefix DIR] [--bindir DIR] [--sharedir DIR] [TARBALL]
#
# --prefix   where the release goes (default /opt/airlock); replaced whole on every run, so a
#            second run or a newer release leaves exactly one release there
# --bindir   where airlock-export and airlock-import are linked (default /usr/local/bin)
# --sharedir where man pages (man/man1) and bash completion (bash-completion/completions) are
#            linked (default /usr/local/share)
# Exit codes: 0 installed; 2 bad usage, or a path this script will not overwrite; 3 the tarball does
# not match its .sha256; 1 anything else. The release needs no JDK: it runs on its own runtime/.
set -eu

prefix=/opt/airlock
bindir=/usr/local/bin
sharedir=/usr/local/share
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
    -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die 2 "unknown option $1 (try --help)" ;;
    *) [ -z "$tarball" ] || die 2 "one tarball at a time"; tarball=$1; shift ;;
  esac
done
case $prefix in /*) ;; *) die 2 "--prefix must be an absolute path: $prefix" ;; esac
prefix=${prefix%/}
[ -n "$prefix" ] || die 2 "--prefix / is not a place for a release"

work=
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
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

# Only an earlier airlock release (or nothing, or an empty directory) is replaced at the prefix.
if [ -e "$prefix" ] && [ ! -f "$prefix/.airlock-release" ] && [ -n "$(ls -A "$prefix" 2>/dev/null)" ]; then
  die 2 "$prefix exists and is not an airlock release; choose another --prefix or empty it"
fi
if [ "$src" = "$(cd "$prefix" 2>/dev/null && pwd -P)" ]; then
  die 2 "$src is already the installed release; give a tarball to install a new one"
fi
for name in airlock-export airlock-import; do
  if [ -e "$bindir/$name" ] && [ ! -L "$bindir/$name" ]; then
    die 2 "$bindir/$name exists and is not a link; remove it or choose another --bindir"
  fi
done

# Copy beside the prefix, then swap: a run that stops half-way leaves the old release in place.
parent=$(dirname "$prefix")
mkdir -p "$parent"
new="$prefix.new.$$"
old="$prefix.old.$$"
rm -rf "$new"
cp -R "$src" "$new"
chmod -R u+rwX,go+rX,go-w "$new"
if [ -e "$prefix" ]; then mv "$prefix" "$old"; fi
mv "$new" "$prefix"
rm -rf "$old"

mkdir -p "$bindir" "$sharedir/man/man1" "$sharedir/bash-completion/completions"
for name in airlock-export airlock-import; do
  ln -sfn "$prefix/bin/$name" "$bindir/$name"
  ln -sfn "$prefix/share/bash-completion/completions/$name" "$sharedir/bash-completion/completions/$name"
done
for page in "$prefix"/share/man/man1/*.1; do
  [ -f "$page" ] || continue
  ln -sfn "$page" "$sharedir/man/man1/${page##*/}"
done

echo "installed airlock $version in $prefix"
echo "linked   $bindir/airlock-export, $bindir/airlock-import"
echo "linked   man pages in $sharedir/man/man1, bash completion in $sharedir/bash-completion/completions"
if [ -d "$prefix/systemd" ]; then
  echo "systemd  units in $prefix/systemd (not enabled; see the README)"
fi
