#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, lockdep, kmemleak, DEBUG_ATOMIC_SLEEP,
# DEBUG_VIRTUAL) from Debian's linux-source-6.1 with the config fragment
# beside this script, once: the result is cached under
#
#   CACHE/debug-kernel/KEY/
#     vmlinuz            the kernel the debug hosts boot
#     lib/modules/VER/   modules_install's output (kvm, nvme, modules.dep)
#     build/             the configured, built tree, to build external
#                        modules against (KDIR); its object files dropped
#
# KEY hashes this script, the fragment, the linux-source-6.1 package
# version and the compiler version: a change to any of them builds anew,
# and the older entries go. CACHE is $MV_CACHE, else /var/cache/minivisor.
#
#   build.sh [--link PATH]
#
# Prints the entry's directory; --link also points the symlink PATH at it.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
fragment=$here/config
source_tar=/usr/src/linux-source-6.1.tar.xz
cache=${MV_CACHE:-/var/cache/minivisor}/debug-kernel

usage() {
	echo "usage: $0 [--link PATH]" >&2
	exit 2
}

die() {
	echo "$0: $*" >&2
	exit 1
}

# cache_key: the hash naming this build's cache entry.
cache_key() {
	{
		cat "$0" "$fragment"
		dpkg-query -W -f='${Version}\n' linux-source-6.1
		gcc --version | head -n 1
	} | sha256sum | cut -c 1-16
}

# configure TREE: allnoconfig with the fragment's values forced, filled in
# by olddefconfig; fails naming every value of the fragment that Kconfig
# dropped (an unmet dependency, a misspelt name).
configure() {
	local tree=$1 line
	local -a lost=()

	KCONFIG_ALLCONFIG=$fragment make -C "$tree" -s allnoconfig
	make -C "$tree" -s olddefconfig
	while IFS= read -r line; do
		grep -qxF -- "$line" "$tree/.config" || lost+=("$line")
	done < <(grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$fragment")
	((${#lost[@]} == 0)) ||
		die "the final .config lost these values of $fragment:$(printf '\n  %s' "${lost[@]}")"
}

# build ENTRY: unpack, configure, build and install into ENTRY (new).
build() {
	local entry=$1 tree=$1/build log=$1/build.log version start=$SECONDS

	mkdir -p "$entry"
	echo "debug kernel: unpacking $source_tar" >&2
	tar -C "$entry" -xJf "$source_tar"
	mv "$entry/linux-source-6.1" "$tree"
	configure "$tree"
	echo "debug kernel: building with $(nproc) jobs, log in $log" >&2
	if ! make -C "$tree" -j"$(nproc)" bzImage modules >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "the build failed, see $log"
	fi
	make -C "$tree" -s INSTALL_MOD_PATH="$entry" modules_install >>"$log" 2>&1 ||
		die "modules_install failed, see $log"
	version=$(make -C "$tree" -s kernelrelease)
	cp "$tree/arch/x86/boot/bzImage" "$entry/vmlinuz"
	# modules_install links these back into the tree; the entry has the tree.
	rm -f "$entry/lib/modules/$version"/{build,source}
	# External modules need the headers, the config, Module.symvers and the
	# host tools (modpost, objtool), none of the kernel's own objects.
	find "$tree" -name '*.o' -delete
	rm -f "$tree/vmlinux" "$tree/arch/x86/boot/compressed/vmlinux"
	echo "debug kernel: $version built in $((SECONDS - start)) s" >&2
}

link=''
while (($#)); do
	case "$1" in
	--link)	link=${2:?}; shift 2 ;;
	*)	usage ;;
	esac
done
[[ -f $source_tar ]] || die "no $source_tar (apt-get install linux-source-6.1)"

key=$(cache_key)
entry=$cache/$key
if [[ -f $entry/vmlinuz ]]; then
	echo "debug kernel: cached in $entry" >&2
else
	mkdir -p "$cache"
	rm -rf "${cache:?}"/*
	build "$entry.new"
	mv "$entry.new" "$entry"
fi
[[ -z $link ]] || ln -sfn "$entry" "$link"
echo "$entry"
