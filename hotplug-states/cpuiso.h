/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CPUISO_MODULE_H
#define CPUISO_MODULE_H

int cpuiso_affinity_online(unsigned int cpu);
void cpuiso_affinity_restore_all(void);

#endif
