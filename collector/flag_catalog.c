/* flag_catalog — the table of flags, their words and the rules they cite. */
#include "flag_catalog.h"

#include <stddef.h>
#include <string.h>
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
    [FLAG_DUPLICATE_HOST] = {
        "DUPLICATE_HOST", M, "Same machine enrolled as two hosts", "重复主机",
        "第五条(五), 第六条(五)",
        "The machine (same /etc/machine-id) was enrolled again under a new key. "
        "Fold the old host into the new one (tzctl host merge OLD NEW), or "
        "retire the one no longer in use (tzctl host retire HOST); a cloned "
        "machine needs a new machine-id (systemd-machine-id-setup).",
        "同一台主机（machine-id相同）以新密钥重复注册。请将旧主机记录合并到新"
        "记录（tzctl host merge OLD NEW），或注销不再使用的记录（tzctl host "
        "retire HOST）；克隆的虚拟机应重新生成machine-id，保证资产台账准确。"},
    [FLAG_AMBIGUOUS_BINDING] = {
        "AMBIGUOUS_BINDING", M, "Host matches several systems, or another "
        "department's", "绑定冲突", "第六条(五)",
        "The host's addresses or hostname match more than one system of its "
        "department, or only systems of other departments, so it is bound to "
        "none. Bind it to the system it serves (tzctl bind HOST SYSTEM), or "
        "set system = ID in the agent's config, or correct the systems' IPs "
        "or domains in the ledger (tzctl systems --conflicts lists them).",
        "主机的地址或主机名同时匹配本单位多个信息系统，或仅匹配其他单位的信息"
        "系统，因此未自动绑定。请由网络信息中心使用tzctl bind将其绑定到实际所属"
        "系统，或在采集程序配置中设置system = ID，或更正台账中相关系统的IP、"
        "域名（tzctl systems --conflicts可列出冲突）。"},
    [FLAG_AGENT_ABUSE] = {
        "AGENT_ABUSE", M, "Agent over the collector's limits", "采集程序超限",
        "第五条(三), 第五条(五)",
        "This host's agent sent more reports or bytes than the collector allows "
        "(or its history passed its cap), which would fill the register for "
        "every department. Its reports wait in its spool meanwhile. Find out "
        "why (a loop, a changing package list, a stolen key: tzctl history HOST, "
        "journalctl -u tz-agent); revoke the key if it is not the host's "
        "(tzctl agent revoke). The flag closes a day after the last limit hit.",
        "该主机的采集程序上报次数或数据量超出采集服务器限额（或其变更历史超出上限），"
        "可能占满资产台账、影响全校上报；超限期间其报告暂存在本机。请查明原因"
        "（程序循环、软件包列表反复变化、密钥被盗用等，可用tzctl history查看），"
        "密钥非本机所有时予以吊销（tzctl agent revoke）。最后一次超限一天后自动关闭。"},
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

/* What a department may see of a flag that names another department's
 * systems or hosts: a neutral sentence instead; NULL when the evidence
 * itself may be shown. */
static const char *dept_view(const Tz__FlagRecord *f, int zh)
{
    int id = flag_lookup(f->id);
    if (id == FLAG_BINDING_OTHER_DEPT)
        return zh ? "其采集程序配置或地址指向其他部门的系统：已拒绝，主机未绑定"
                    "到该系统"
                  : "its agent config or its addresses point at a system of "
                    "another department: refused, the host is not bound to it";
    /* The twin may be another department's host: no names across. */
    if (id == FLAG_DUPLICATE_HOST)
        return zh ? "同一台机器（machine_id相同）还以另一条主机记录注册：由网络"
                    "信息中心合并或注销旧记录"
                  : "the same machine (its machine_id) is enrolled as another "
                    "host too: the network center merges or retires the old "
                    "record";
    if (id == FLAG_AMBIGUOUS_BINDING &&
        strstr(f->evidence, FLAG_OTHER_DEPTS_MARK) != NULL)
        return zh ? "其地址或主机名匹配台账中的系统，其中有其他部门的系统：未按"
                    "匹配绑定；由网络信息中心将其绑定到实际所属系统（tzctl "
                    "bind）"
                  : "its addresses or hostname match systems of the ledger, "
                    "some of another department: not bound by match; the "
                    "network center binds it to the system it serves (tzctl "
                    "bind)";
    return NULL;
}

const char *flag_evidence_lang(const Tz__FlagRecord *f, int whole_school, int zh)
{
    const char *neutral = whole_school ? NULL : dept_view(f, zh);
    if (neutral)
        return neutral;
    if (zh && f->evidence_zh && f->evidence_zh[0])
        return f->evidence_zh;
    return f->evidence;
}

const char *flag_evidence_for(const Tz__FlagRecord *f, int whole_school)
{
    return flag_evidence_lang(f, whole_school, 0);
}
