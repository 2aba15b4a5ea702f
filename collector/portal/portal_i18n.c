/* portal_i18n — the portal's label tables. */
#include "portal_i18n.h"

#include <string.h>

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

static const struct pair values[] = {
    {"live", "运行中"},     {"planned", "规划中"}, {"retired", "已下线"},
    {"passed", "通过"},     {"failed", "未通过"},  {"none", "无"},
    {"yes", "是"},          {"no", "否"},
    {"high", "高"},         {"medium", "中"},      {"low", "低"},
    {"viewer", "查看者"},   {"editor", "编辑者"},  {"admin", "管理员"},
    {"explicit", "手工绑定"}, {"config", "配置声明"}, {"match", "地址匹配"},
    {"host", "主机"},       {"system", "系统"},
    {"PW_OK", "正常"},      {"PW_WEAK", "弱口令"}, {"PW_EMPTY", "空口令"},
    {"PW_LOCKED", "已锁定"}, {"PW_UNKNOWN", "未知"},
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

const char *tr_value(enum http_lang lang, const char *value)
{
    if (lang != HTTP_LANG_ZH || value == NULL)
        return value ? value : "";
    const char *zh = lookup(values, sizeof(values) / sizeof(values[0]), value);
    return zh ? zh : value;
}
