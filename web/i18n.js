// UI text in English and Chinese; app.js applies it to every element with data-i18n
// (text) or data-i18n-placeholder (placeholder), and uses t(key) for text it writes itself.
"use strict";

const MESSAGES = {
  en: {
    playground: "playground", api_key: "API key", api_key_hint: "only if the server asks for one",
    tab_chat: "Chat", tab_completion: "Completion", tab_classify: "Classify", tab_moderate: "Moderate",
    tab_faq: "FAQ", tab_analyze: "Analyze",
    parameters: "Parameters", temperature: "Temperature", top_p: "Top p", max_tokens: "Max tokens",
    presence_penalty: "Presence penalty", frequency_penalty: "Frequency penalty", seed: "Seed (empty = random)",
    stop: "Stop strings (one per line)", stream: "Stream", system_prompt: "System prompt",
    chat_hint: "Type a message; Enter sends, Shift+Enter adds a line", send: "Send", stop_button: "Stop",
    clear: "Clear", prompt_hint: "Prompt to continue", generate: "Generate", text_hint: "Text",
    classify: "Classify", moderate: "Moderate", question_hint: "Ask a question", ask: "Ask",
    analyze_help: "Upload a CSV file with a header row; choose the text column and, optionally, a label column.",
    text_column: "Text column", label_column: "Label column", analyze: "Analyze", none: "(none)",
    you: "You", assistant: "Assistant", usage: "{prompt} prompt + {completion} generated tokens, {seconds} s",
    connected: "model {model} · {slots} slot(s)", no_model: "no language model loaded",
    unavailable: "not available: the server was started without {flag}", offline: "server unreachable",
    label: "Label", probability: "probability", explanation: "Green words support the label, red words oppose it.",
    action: "Action", category: "Category", score: "score", no_match: "nothing matched",
    reply: "Reply", confidence: "confidence", fallback: "fallback (handed to a person)", matched: "matched",
    rows: "{n} rows read", analyzing: "analyzing {n} texts…", done: "done in {seconds} s", stopped: "[stopped]",
  },
  zh: {
    playground: "演示台", api_key: "API 密钥", api_key_hint: "服务器要求时填写",
    tab_chat: "对话", tab_completion: "续写", tab_classify: "分类", tab_moderate: "审核",
    tab_faq: "问答", tab_analyze: "分析",
    parameters: "参数", temperature: "温度", top_p: "Top p（核采样）", max_tokens: "最多生成词元数",
    presence_penalty: "出现惩罚", frequency_penalty: "频率惩罚", seed: "随机种子（空 = 随机）",
    stop: "停止字符串（每行一个）", stream: "流式输出", system_prompt: "系统提示",
    chat_hint: "输入消息；回车发送，Shift+回车换行", send: "发送", stop_button: "停止",
    clear: "清空", prompt_hint: "要续写的开头", generate: "生成", text_hint: "文本",
    classify: "分类", moderate: "审核", question_hint: "输入问题", ask: "提问",
    analyze_help: "上传带表头的 CSV 文件，选择文本列，可选标签列。",
    text_column: "文本列", label_column: "标签列", analyze: "分析", none: "（无）",
    you: "你", assistant: "助手", usage: "提示 {prompt} + 生成 {completion} 个词元，{seconds} 秒",
    connected: "模型 {model} · {slots} 个槽位", no_model: "未加载语言模型",
    unavailable: "不可用：服务器启动时没有 {flag}", offline: "无法连接服务器",
    label: "标签", probability: "概率", explanation: "绿色词支持该标签，红色词反对。",
    action: "处理", category: "类别", score: "分数", no_match: "未命中",
    reply: "回答", confidence: "置信度", fallback: "转人工", matched: "匹配问题",
    rows: "读取 {n} 行", analyzing: "正在分析 {n} 条文本…", done: "用时 {seconds} 秒", stopped: "[已停止]",
  },
};

let currentLanguage = "en";

function t(key, values = {}) {
  let text = (MESSAGES[currentLanguage] && MESSAGES[currentLanguage][key]) || MESSAGES.en[key] || key;
  for (const [k, v] of Object.entries(values)) text = text.replace("{" + k + "}", String(v));
  return text;
}

function applyLanguage(language) {
  currentLanguage = MESSAGES[language] ? language : "en";
  document.documentElement.lang = currentLanguage === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  try { localStorage.setItem("lmforge.lang", currentLanguage); } catch (e) { /* private mode */ }
}
