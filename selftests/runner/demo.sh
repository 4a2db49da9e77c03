#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /bin/mv-demo in the selftest initramfs: a narrated tour for a person
# watching the serial console of an emulated VT-x host (selftests/runner/run.sh
# --demo). It loads minivisor, shows its device and kernel messages, asks
# mvctl what the host supports, runs the hello guest with mvctl, unloads
# the module and prints the demo end marker.

# say TEXT: narrate the next step.
say() {
	echo
	echo "### $1"
}

# run 'COMMAND LINE': show the command line as typed at a prompt, pause, run
# it. The pause gives the watcher a moment, and lets the console send the
# line before the kernel, which writes to the serial port directly, has its
# say.
run() {
	echo "\$ $1"
	sleep 1
	eval "$1"
}

# run_now 'COMMAND LINE': the same without the pause.
run_now() {
	echo "\$ $1"
	eval "$1"
}

say "Load the minivisor module into this (emulated, VT-x capable) host."
run 'insmod /lib/minivisor/minivisor.ko'

say "It registers a misc device: the front door for VMs and vCPUs."
run 'ls -l /dev/minivisor'

say "What minivisor told the kernel log:"
run 'dmesg | grep minivisor'

say "mvctl asks the module for its API version and what this host supports."
run 'mvctl info'

say "mvctl events follows what the hypervisor announces (it runs in the background)."
run 'mvctl events & sleep 2'
events=$!

say "mvctl run, a small VMM, runs a real-mode guest that greets us through a UART."
run 'mvctl run /guests/hello.bin'

say "This guest waits for a line on its UART, polling the line status register:"
say "each poll is an I/O exit to mvctl. Its input comes through a FIFO."
mkfifo /tmp/uart-input
run 'mvctl run /guests/echo.bin </tmp/uart-input &'
guest=$!
exec 3>/tmp/uart-input

# While the guest spins, emulated time runs at its instruction count, so
# these steps do not pause as run does.
say "mvctl list shows the VM, mvctl stat what its exits cost the kernel."
run_now 'mvctl list'
run_now 'mvctl stat'
say "Now the guest gets its line, echoes it in upper case, and ends."
run_now 'echo hello from the demo >&3'
exec 3>&-
wait "$guest"
kill "$events"

say "Unload the module again."
run 'rmmod minivisor'

echo
echo "[mv] demo end"
