"""SLA: policies, business calendars, promises and escalation.

`kefu.sla.calendar` holds business time (working hours, Chinese public holidays with 调休,
workspace overrides, freeze windows); `kefu.sla.holidays` the holiday data behind it.
"""
