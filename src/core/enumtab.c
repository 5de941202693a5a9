#include "enumtab.h"

#include "loss.h"
#include "profile.h"
#include "ufm.h"

#include <stdio.h>
#include <string.h>

#define ENUM_TABLE(what, entries) {what, entries, (int)(sizeof entries / sizeof entries[0])}

static const enum_entry profile_kinds[] = {
    {PROFILE_STEP, "step"}, {PROFILE_LT, "lt"}, {PROFILE_COUNTS, "counts"}};
static const enum_entry loss_kinds[] = {{LOSS_CE, "ce"},   {LOSS_WCE, "wce"}, {LOSS_LA, "la"},
                                        {LOSS_CDT, "cdt"}, {LOSS_VS, "vs"},   {LOSS_LDT, "ldt"}};
static const enum_entry ufm_opt_kinds[] = {
    {UFM_OPT_GD, "gd"}, {UFM_OPT_NGD, "ngd"}, {UFM_OPT_SGDM, "sgdm"}};

const enum_table profile_kind_table = ENUM_TABLE("profile", profile_kinds);
const enum_table loss_kind_table = ENUM_TABLE("loss", loss_kinds);
const enum_table ufm_opt_table = ENUM_TABLE("optimizer", ufm_opt_kinds);

const char *enum_table_name(const enum_table *t, int value)
{
    for (int i = 0; i < t->n; i++)
        if (t->entries[i].value == value)
            return t->entries[i].name;
    return "unknown";
}

int enum_table_parse(const enum_table *t, const char *name, int *value)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->entries[i].name, name) == 0) {
            *value = t->entries[i].value;
            return SWEEP_OK;
        }
    return SWEEP_ERR_ARG;
}

size_t enum_table_choices(const enum_table *t, char *buf, size_t cap)
{
    size_t pos = 0;
    if (cap > 0)
        buf[0] = '\0';
    for (int i = 0; i < t->n; i++) {
        const char *sep = i == 0 ? "" : i == t->n - 1 ? " or " : ", ";
        const int w = snprintf(pos < cap ? buf + pos : NULL, pos < cap ? cap - pos : 0, "%s%s",
                               sep, t->entries[i].name);
        pos += w > 0 ? (size_t)w : 0;
    }
    return pos;
}
