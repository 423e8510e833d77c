# SPDX-License-Identifier: GPL-2.0-or-later
# Context tracking's user mode key: switched on by the first runtime
# isolation, off again a second after the last release.
. /tests/lib.sh

warns() { dmesg | grep -c 'WARNING:'; }
# user_exit_callable() is one static branch on the key and a call: its
# live text says whether the key is enabled
site() { timing text user_exit_callable 16 | sed -n 's/^text=//p'; }

# The key goes off a second after the last release: the site is patched
# back to what it was.  It used to stay enabled until reboot.
sleep 1.5
off=$(site)
write isolated $C/cpu3/state >/dev/null
on=$(site)
write online $C/cpu3/state >/dev/null
sleep 1.5
after=$(site)
figure ctkey_site_off "$off"
figure ctkey_site_on "$on"
figure ctkey_site_after "$after"
patched() { [ -n "$off" ] && [ -n "$on" ] && [ "$on" != "$off" ]; }
restored() { [ -n "$off" ] && [ "$after" = "$off" ]; }
check key-on-while-isolated patched
check key-off-after-release restored

# While the key's sites are patched, a CPU can enter the kernel through
# a site already switched and leave or schedule through one not yet, with
# a stale state: the checks of that state (ct_state(), CT_WARN_ON) must
# not run then.  Tasks enter the kernel every way they can on CPUs 0-2
# while the key goes on and off; no warning.  A CPU keeps a stale state
# until its task's next entry from user mode, so a task asleep in the
# kernel meanwhile can schedule with it.
cycles=30
before=$(warns)
load=
for cpu in 0 1 2; do
	timing churn $cpu 600 >/dev/null &
	load="$load $!"
	# forks and execs: tasks asleep in the kernel when the state goes stale
	taskset -c $cpu sh -c 'while :; do cat /proc/self/stat; done' >/dev/null &
	load="$load $!"
done
i=0
while [ $i -lt "$cycles" ]; do
	err=$(write isolated $C/cpu3/state) || { fail "isolate$i" "$err"; break; }
	err=$(write online $C/cpu3/state) || { fail "release$i" "$err"; break; }
	sleep 1.3
	[ "$(warns)" = "$before" ] || break
	i=$((i + 1))
done
kill $load
wait 2>/dev/null
figure ctkey_cycles "$i"
if [ "$(warns)" = "$before" ]; then
	ok no-warning
else
	fail no-warning "$(dmesg | grep -m1 -A3 'WARNING:' | tr '\n' ' ')"
fi
