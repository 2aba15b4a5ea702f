/* portal_i18n — the portal's label tables. */
#include "portal_i18n.h"

#include <string.h>

#include "value_words.h"

struct pair {
    const char *en, *zh;
};

static const struct pair words[] = {
    {"Ledger", "台账"},
    {"Network asset ledger", "网络资产台账"},
    {"Hosts", "主机"},
    {"Host", "主机"},
    {"Flags", "问题"},
    {"Open flags", "未关闭问题"},
    {"System", "系统"},
    {"Systems", "信息系统"},
    {"Departments", "各单位"},
    {"Department", "单位"},
    {"Log in", "登录"},
    {"Log out", "退出"},
    {"Login token", "登录令牌"},
    {"Paste the login token the network center gave you.",
     "请输入网络信息中心发给您的登录令牌。"},
    {"Unknown or revoked token.", "令牌无效或已吊销。"},
    {"The login form expired; try again.", "登录表单已过期，请重试。"},
    {"Signed in as", "当前用户"},
    {"Role", "角色"},
    {"Save", "保存"},
    {"Edit", "编辑"},
    {"Add a system", "新增系统"},
    {"Add", "新增"},
    {"Saved.", "已保存。"},
    {"Self-inspection report", "自查报告"},
    {"Export", "导出"},
    {"Search packages", "搜索软件包"},
    {"Search", "搜索"},
    {"Packages", "软件包"},
    {"Pending updates", "待安装更新"},
    {"Accounts", "账户"},
    {"Listening services", "监听服务"},
    {"History", "变更记录"},
    {"Changes", "变更"},
    {"Actor", "操作人"},
    {"Time", "时间"},
    {"Field", "字段"},
    {"Old value", "原值"},
    {"New value", "新值"},
    {"Severity", "严重程度"},
    {"Rule", "规则"},
    {"Evidence", "证据"},
    {"Article", "依据"},
    {"Remedy", "整改建议"},
    {"Subject", "对象"},
    {"Opened", "发现时间"},
    {"Open", "未关闭"},
    {"All", "全部"},
    {"Filter", "筛选"},
    {"Hostname", "主机名"},
    {"Operating system", "操作系统"},
    {"Kernel", "内核"},
    {"Addresses", "地址"},
    {"Last seen", "最近上报"},
    {"Bound to", "所属系统"},
    {"Binding", "绑定方式"},
    {"not in the ledger", "未登记"},
    {"Not found", "未找到"},
    {"The page or record does not exist, or it is not yours to see.",
     "页面或记录不存在，或您无权查看。"},
    {"Forbidden", "无权操作"},
    {"Bad request", "请求无效"},
    {"Service unavailable", "服务暂不可用"},
    {"Nothing here yet.", "暂无内容。"},
    {"none", "无"},
    {"Name", "名称"},
    {"Version", "版本"},
    {"Password", "口令"},
    {"Address", "地址"},
    {"Port", "端口"},
    {"Process", "进程"},
    {"Exposed", "对外暴露"},
    {"Whole school", "全校"},
    {"Hosts bound", "主机数"},
    {"Unbound hosts", "未登记主机"},
    {"High", "高危"},
    {"shown", "显示"},
    {"of", "共"},
    {"Back to the ledger", "返回台账"},
    {"Language", "语言"},
    {"Your session ended; log in again.", "会话已结束，请重新登录。"},
    {"This form expired; reload the page and try again.",
     "表单已失效，请刷新页面后重试。"},
    {"Someone changed this system meanwhile; reload it and try again.",
     "该系统已被他人修改，请刷新后重试。"},
    {"Only editors change the ledger.", "只有编辑者可以修改台账。"},
    {"Record", "记录"},
    {"Inventory", "资产清单"},
    {"Reboot required", "需要重启"},
    {"Security", "安全"},
    {"created", "创建"},
    {"updated", "修改"},
    /* the pre-launch review (portal_html_screen.c) */
    {"Pre-launch review", "上线前审查"},
    {"Screening requests", "上线审查申请"},
    {"Screening", "安全检测"},
    {"Screenings", "安全检测记录"},
    {"By", "执行人"},
    {"Result", "结果"},
    {"Blocking failed", "阻断项未通过"},
    {"Not checked", "未检查项"},
    {"Fresh reports", "即时采集"},
    {"Outside scan", "外部扫描"},
    {"the latest", "最近的"},
    {"Review decisions", "审查结论"},
    {"Decision", "结论"},
    {"Reviewer", "审查人"},
    {"Override reason", "例外放行理由"},
    {"Requested", "已申请"},
    {"awaiting the cybersecurity office's review", "待网信办审查"},
    {"Request a pre-launch screening", "申请上线前审查"},
    {"Note (one paragraph, at most 1000 bytes)", "说明（一段文字，不超过 1000 字节）"},
    {"Send the request", "提交申请"},
    {"Request sent.", "申请已提交。"},
    {"Requested by", "申请人"},
    {"Requested at", "申请时间"},
    {"Note", "说明"},
    {"Latest screening", "最近一次检测"},
    {"Closed", "办结时间"},
    {"Open requests", "待审查的申请"},
    {"Closed requests", "已办结的申请"},
    {"This system's screening is already asked for; "
     "the network center's review decision closes the request.",
     "该系统已申请上线前审查，网信办作出审查结论后方可再次申请。"},
    {"Only the network center sees the screening requests.",
     "只有网络信息中心可以查看上线审查申请。"},
};

static const struct pair fields_en[] = {
    {"name", "System name"}, {"dept", "Department"}, {"owner", "Owner"},
    {"admin", "Administrator"}, {"contact", "Contact"}, {"domains", "Domains"},
    {"ips", "IP addresses"}, {"purpose", "Purpose"},
    {"data_kinds", "Data kinds"}, {"personal_data", "Personal data"},
    {"deployment", "Deployment"}, {"icp_filing", "ICP filing"},
    {"psb_filing", "Public security filing"},
    {"school_filing", "School filing"}, {"mlps_grade", "MLPS grade"},
    {"grading_filed_at", "Grading filed"},
    {"last_evaluation_at", "Last evaluation"},
    {"prelaunch_status", "Pre-launch review"},
    {"prelaunch_date", "Review date"},
    {"prelaunch_reviewer", "Reviewer"},
    {"prelaunch_report_id", "Review report"},
    {"launched_at", "Launched"}, {"status", "Status"},
    {"public_facing", "Public-facing"}, {"remarks", "Remarks"},
};

static const char *lookup(const struct pair *t, size_t n, const char *en)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].en, en) == 0)
            return t[i].zh;
    return NULL;
}

const char *tr(enum http_lang lang, const char *en)
{
    const char *zh = lang == HTTP_LANG_ZH
                         ? lookup(words, sizeof(words) / sizeof(words[0]), en)
                         : NULL;
    return zh ? zh : en;
}

const char *tr_field(enum http_lang lang, const struct ledger_field *f)
{
    if (lang == HTTP_LANG_ZH)
        return f->label;
    const char *en = lookup(fields_en, sizeof(fields_en) / sizeof(fields_en[0]),
                            f->key);
    return en ? en : f->key;
}

static const struct pair dept_fields_en[] = {
    {"principal", "Principal leader"},
    {"principal_phone", "Principal leader's phone"},
    {"principal_email", "Principal leader's e-mail"},
    {"security_lead", "Leader in charge"},
    {"security_lead_phone", "Leader in charge: phone"},
    {"security_lead_email", "Leader in charge: e-mail"},
    {"it_lead", "Network security and IT lead"},
    {"it_lead_phone", "Network security and IT lead: phone"},
    {"it_lead_email", "Network security and IT lead: e-mail"},
    {"liaison", "Liaison"},
    {"liaison_phone", "Liaison's phone"},
    {"liaison_email", "Liaison's e-mail"},
    {"last_meeting", "Last network-security meeting"},
};

const char *tr_dept_field(enum http_lang lang, const struct dept_field *f)
{
    if (lang == HTTP_LANG_ZH)
        return f->label;
    /* "en" keys of this table are the field keys */
    for (size_t i = 0; i < sizeof(dept_fields_en) / sizeof(dept_fields_en[0]);
         i++)
        if (strcmp(dept_fields_en[i].en, f->key) == 0)
            return dept_fields_en[i].zh;
    return f->key;
}

const char *tr_value(enum http_lang lang, const char *value)
{
    return value_word(value, lang == HTTP_LANG_ZH);
}
