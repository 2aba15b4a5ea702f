/* value_words — one table of enumerated values and their words. */
#include "value_words.h"

#include <stddef.h>
#include <string.h>

struct word {
    const char *value;  /* as stored */
    const char *en;     /* as an English reader sees it */
    const char *zh;
};

static const struct word words[] = {
    /* a system's status (ledger_parse_status) */
    {"planned", "planned", "规划中"},
    {"live", "live", "运行中"},
    {"retired", "retired", "已下线"},
    /* the pre-launch review (ledger_parse_review) */
    {"none", "none", "未审查"},
    {"passed", "passed", "通过"},
    {"failed", "failed", "未通过"},
    {"not passed", "not passed", "未通过"},
    {"pass", "pass", "通过"},
    {"fail", "fail", "未通过"},
    /* a system's screenings and review decisions (tzctl screenings) */
    {"screening", "screening", "安全审查"},
    {"review", "review", "审查结论"},
    {"not answered", "not answered", "未应答"},
    /* yes/no fields (ledger_parse_bool) */
    {"yes", "yes", "是"},
    {"no", "no", "否"},
    /* severities (severity_name) */
    {"high", "high", "高"},
    {"medium", "medium", "中"},
    {"low", "low", "低"},
    /* roles of people and tokens */
    {"viewer", "viewer", "查看者"},
    {"editor", "editor", "编辑者"},
    {"admin", "admin", "管理员"},
    {"dept", "dept", "单位"},
    /* how a host came to its system */
    {"explicit", "explicit", "手工绑定"},
    {"config", "config", "配置声明"},
    {"match", "match", "地址匹配"},
    /* what a flag or a change is about */
    {"host", "host", "主机"},
    {"system", "system", "信息系统"},
    {"department", "department", "单位信息"},
    /* an account's password, as the agent judged it locally */
    {"PW_OK", "ok", "正常"},
    {"PW_WEAK", "weak", "弱口令"},
    {"PW_EMPTY", "empty", "空口令"},
    {"PW_LOCKED", "locked", "已锁定"},
    {"PW_UNKNOWN", "unknown", "未知"},
    {"ok", "ok", "正常"},   /* also the report's evaluation on schedule */
    {"weak", "weak", "弱口令"},
    {"empty", "empty", "空口令"},
    {"locked", "locked", "已锁定"},
    {"unknown", "unknown", "未知"},
    /* the self-inspection report's states (report_facts.c) */
    {"complete", "complete", "齐全"},
    {"incomplete", "incomplete", "不全"},
    {"not_graded", "not graded", "未定级"},
    {"not_filed", "not filed", "未备案"},
    {"filed", "filed", "已备案"},
    {"not_required", "not required", "无需测评"},
    {"never", "never", "未测评"},
    {"overdue", "overdue", "超期"},
    /* the change history's actions (ledger_diff.h) */
    {"created", "created", "新增"},
    {"updated", "updated", "修改"},
    {"bound", "bound", "绑定"},
    {"unbound", "unbound", "解除绑定"},
    {"merged", "merged", "已合并"},
    /* a host's history (tzctl history): what changed and how */
    {"agent", "agent", "采集程序"},
    {"baseline", "baseline", "基线"},
    {"summary", "summary", "摘要"},
    {"package", "package", "软件包"},
    {"account", "account", "账户"},
    {"listener", "listener", "监听端口"},
    {"kernel", "kernel", "内核"},
    {"added", "added", "新增"},
    {"removed", "removed", "删除"},
    {"changed", "changed", "变更"},
    {"password", "password", "口令"},
    {"opened", "opened", "开启"},
    {"merged in", "merged in", "并入"},
    {"recorded", "recorded", "已记录"},
    {"summarised", "summarised", "已摘要"},
    /* an enrollment token's state (tzctl token list) */
    {"active", "active", "有效"},
    {"revoked", "revoked", "已吊销"},
    {"expired", "expired", "已过期"},
    {"used up", "used up", "已用完"},
    {"unusable", "unusable", "不可用"},
    /* a flag's state */
    {"open", "open", "未关闭"},
    {"closed", "closed", "已关闭"},
};

const char *value_word(const char *value, int zh)
{
    if (value == NULL)
        return "";
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(words[i].value, value) == 0)
            return zh ? words[i].zh : words[i].en;
    return value;
}
