# name: 白名单
# category: whitelist
# severity: info
# description: 正确的较长词语，其中含有的错别字或提法条目不报（如“教授于”中的“授于”）。客户可自行补充。
教授于
天赋于
传授于
熊瞎子
黑瞎子
黑瞎子岛
