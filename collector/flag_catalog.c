/* flag_catalog — the table of flags, their words and the rules they cite. */
#include "flag_catalog.h"

#include <stddef.h>
#include <strings.h>

#define H TZ__SEVERITY__SEV_HIGH
#define M TZ__SEVERITY__SEV_MEDIUM
#define L TZ__SEVERITY__SEV_LOW

static const struct flag_def defs[FLAG__COUNT] = {
    [FLAG_UNREGISTERED_HOST] = {
        "UNREGISTERED_HOST", M, "Host not in the ledger", "未登记资产",
        "第五条(五), 第六条(五)",
        "Register the system this host serves (tzctl system add) and bind the "
        "host to it (tzctl bind), or set system = ID in the agent's config.",
        "在台账中登记该主机所属信息系统并完成绑定。"},
    [FLAG_NO_OWNER] = {
        "NO_OWNER", M, "No responsible person or administrator", "未明确负责人",
        "第六条(五)",
        "Name the system's responsible person (owner) and administrator (admin).",
        "明确信息系统负责人及管理员并登记联系方式。"},
    [FLAG_NO_FILING] = {
        "NO_FILING", M, "System not filed", "未备案", "第六条(六)",
        "Complete the campus filing (校内备案) and, for a public-facing system, "
        "ICP and public-security (公安) filing; record the numbers.",
        "完成校内备案；对外服务的网站和系统完成ICP备案及公安备案并登记备案号。"},
    [FLAG_NO_GRADING] = {
        "NO_GRADING", M, "Not graded under MLPS", "未定级", "第五条(四), 第六条(六)",
        "Grade the system under the Multi-Level Protection Scheme (等级保护定级).",
        "按网络安全等级保护要求完成定级。"},
    [FLAG_GRADING_NOT_FILED] = {
        "GRADING_NOT_FILED", M, "Grade not filed", "定级未备案", "MLPS (等级保护)",
        "File the grading of a level-2-or-above system with public security and "
        "record the filing date.",
        "二级及以上系统向公安机关办理定级备案并登记备案日期。"},
    [FLAG_EVALUATION_OVERDUE] = {
        "EVALUATION_OVERDUE", H, "MLPS evaluation overdue", "测评超期",
        "MLPS (等级保护)",
        "Commission an MLPS evaluation (等级测评) and record its date.",
        "按期开展等级测评并登记最近测评日期，完成整改。"},
    [FLAG_NO_PRELAUNCH_REVIEW] = {
        "NO_PRELAUNCH_REVIEW", H, "No passed pre-launch review",
        "未经上线前审查", "第五条(五), 第六条(六)",
        "Have the network center screen the system before launch (tzctl screen) "
        "and record a passed review.",
        "上线前由网络信息中心开展网络安全风险隐患排查并通过审查。"},
    [FLAG_WEAK_PASSWORD] = {
        "WEAK_PASSWORD", H, "Weak or empty password", "弱口令", "第七条(八)",
        "Set a strong password for the account or lock it (passwd -l).",
        "修改为强口令或锁定该账户，杜绝弱口令和空口令。"},
    [FLAG_UID0_DUPLICATE] = {
        "UID0_DUPLICATE", H, "More than one UID 0 account", "存在多个超级用户",
        "第六条(五)",
        "Remove or renumber every UID 0 account but root.",
        "删除或修改除root外UID为0的账户。"},
    [FLAG_SUDO_NOPASSWD] = {
        "SUDO_NOPASSWD", M, "sudo without password", "sudo免密",
        "第六条(五)",
        "Remove NOPASSWD from the sudoers rule, or limit it to specific commands.",
        "去除sudoers中的NOPASSWD授权或限定到具体命令。"},
    [FLAG_ROOT_SSH_LOGIN] = {
        "ROOT_SSH_LOGIN", M, "root may log in over SSH with a password",
        "允许root远程登录", "第六条(五)",
        "Set PermitRootLogin no (or prohibit-password) in sshd_config.",
        "在sshd_config中设置PermitRootLogin no或prohibit-password。"},
    [FLAG_EXPOSED_HIGH_RISK_PORT] = {
        "EXPOSED_HIGH_RISK_PORT", H, "High-risk port exposed", "高危端口暴露",
        "第五条(三)",
        "Bind the service to 127.0.0.1, or restrict the port with a firewall.",
        "将服务绑定到本机地址或通过防火墙限制访问高危端口。"},
    [FLAG_PATCHES_PENDING] = {
        "PATCHES_PENDING", H, "Security updates pending", "补丁未更新",
        "第五条(三)",
        "Install the pending security updates (apt-get upgrade).",
        "及时安装安全更新补丁。"},
    [FLAG_REBOOT_REQUIRED] = {
        "REBOOT_REQUIRED", M, "Reboot required for updates", "需重启生效",
        "第五条(三)",
        "Reboot into the newest installed kernel to apply the updates.",
        "重启主机使已安装的内核及补丁生效。"},
    [FLAG_AGENT_SILENT] = {
        "AGENT_SILENT", M, "Agent silent", "失联", "daily sync (每日同步)",
        "Check that tz-agent runs on the host and can reach the collector.",
        "检查主机上的采集程序运行状态及与采集服务器的网络连通性。"},
    [FLAG_BINDING_OTHER_DEPT] = {
        "BINDING_OTHER_DEPT", M, "Host claims another department's system",
        "跨部门绑定", "第六条(五)",
        "A host binds by its config or by address only to its own "
        "department's systems. Fix the agent's system = ID, or the system's "
        "IPs or domains in the ledger; if the host really serves that "
        "system, have the network center bind it (tzctl bind HOST SYSTEM).",
        "主机只能通过配置或地址匹配归属本单位的信息系统。请更正采集程序配置中的"
        "system = ID，或更正台账中该系统的IP、域名；确属该系统的，由网络信息中心"
        "使用tzctl bind显式绑定。"},
    [FLAG_ACCOUNT_CHECK_FAILED] = {
        "ACCOUNT_CHECK_FAILED", M, "Account checks failing", "账户检查失败",
        "第七条(八)",
        "The agent's privileged helper cannot check passwords on this host, so "
        "weak passwords go unseen. Read the reason in the evidence and the "
        "agent's log (journalctl -u tz-agent); restart tz-agent "
        "(systemctl restart tz-agent) and check that it runs as root.",
        "主机采集程序的特权进程无法完成口令检查，弱口令将无从发现。请根据证据"
        "和采集程序日志（journalctl -u tz-agent）查明原因，重启tz-agent并确认"
        "其以root身份启动，恢复弱口令检查。"},
};

const struct flag_def *flag_def(enum flag_id f)
{
    return (f >= 0 && f < FLAG__COUNT) ? &defs[f] : NULL;
}

int flag_lookup(const char *id)
{
    for (int f = 0; f < FLAG__COUNT; f++)
        if (strcasecmp(defs[f].id, id) == 0)
            return f;
    return -1;
}

const char *severity_name(Tz__Severity s)
{
    switch (s) {
    case H: return "high";
    case M: return "medium";
    case L: return "low";
    default: return "none";
    }
}

int severity_lookup(const char *name)
{
    if (strcasecmp(name, "high") == 0) return H;
    if (strcasecmp(name, "medium") == 0) return M;
    if (strcasecmp(name, "low") == 0) return L;
    return -1;
}

const char *flag_evidence_lang(const Tz__FlagRecord *f, int whole_school, int zh)
{
    if (!zh)
        return flag_evidence_for(f, whole_school);
    if (!whole_school && flag_lookup(f->id) == FLAG_BINDING_OTHER_DEPT)
        return "其 agent 配置或地址指向其他部门的系统：已拒绝，主机未绑定到该系统";
    return f->evidence_zh && f->evidence_zh[0] ? f->evidence_zh : f->evidence;
}

const char *flag_evidence_for(const Tz__FlagRecord *f, int whole_school)
{
    if (!whole_school && flag_lookup(f->id) == FLAG_BINDING_OTHER_DEPT)
        return "its agent config or its addresses point at a system of "
               "another department: refused, the host is not bound to it";
    return f->evidence;
}
