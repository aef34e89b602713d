#!/bin/sh
# PID 1 of the real-kernel guest, on the host's root (read-only). Loads IPVS from the kernel
# package, runs the command the host put in the share, records its exit code, powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mkdir -p /run/kroot /run/share /run/netns /run/repo /dev/shm /dev/pts
mount -t tmpfs shm /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L,ro kroot /run/kroot
mount -t 9p -o trans=virtio,version=9p2000.L share /run/share
. /run/share/env.sh
# The guest's /tmp is its own tmpfs; a checkout under the host's /tmp (as CI clones) is
# carried over it with a bind mount.
case "$TANDEM_CWD" in
  /tmp/*) mount --bind "$TANDEM_CWD" /run/repo && carried=yes ;;
esac
mount -t tmpfs tmp /tmp
if [ "${carried:-}" = yes ]; then
  mkdir -p "$TANDEM_CWD" && mount --bind /run/repo "$TANDEM_CWD"
fi
for m in $TANDEM_MODULES; do modprobe -d /run/kroot "$m" || echo "guest: modprobe $m failed"; done
ip link set lo up
cd "$TANDEM_CWD" && sh -c "$TANDEM_COMMAND" > /run/share/output.log 2>&1
echo $? > /run/share/exit-code
sync
echo o > /proc/sysrq-trigger
sleep 30
