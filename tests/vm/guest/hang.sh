# SPDX-License-Identifier: GPL-2.0-or-later
# Never returns: the runner's time-out must end the guest and fail the run.
while :; do sleep 3600; done
