#include "loop/loop_internal.h"
void rv__conn_deadline_fired(struct rv__wheel_entry *e, void *ctx)
{
	(void)e;
	(void)ctx;
}
