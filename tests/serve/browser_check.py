#!/usr/bin/python3
"""Headless Chromium (WebDriver: Debian chromium + chromium-driver + python3-selenium) opens the
playground of a running `lmforge serve`, sends a chat message, waits for the streamed answer,
switches the UI to Chinese, classifies a text, and saves screenshots.

Usage: browser_check.py BASE_URL API_KEY SCREENSHOT_PREFIX [CHAT_MESSAGE] [CLASSIFY_TEXT]
Exits 77 (skipped) when selenium, chromium or chromedriver is missing.
"""
import shutil
import sys

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("browser check: skipped (apt-get install python3-selenium chromium-driver)")
    sys.exit(77)

base, key, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
message = sys.argv[4] if len(sys.argv) > 4 else "Hello"
classify_text = sys.argv[5] if len(sys.argv) > 5 else "房间很干净，服务很好"
browser = shutil.which("chromium") or shutil.which("chromium-browser")
driver_path = shutil.which("chromedriver")
if not browser or not driver_path:
    print("browser check: skipped (no chromium / chromedriver)")
    sys.exit(77)

options = webdriver.ChromeOptions()
options.binary_location = browser
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
            "--lang=en-US", "--no-proxy-server"):
    options.add_argument(arg)
driver = webdriver.Chrome(service=Service(driver_path), options=options)
try:
    driver.get(base)
    wait = WebDriverWait(driver, 60)
    wait.until(lambda d: "model" in d.find_element(By.ID, "status").text)
    driver.execute_script("localStorage.setItem('lmforge.lang', 'en')")
    key_box = driver.find_element(By.ID, "api-key")
    key_box.send_keys(key)
    driver.find_element(By.ID, "max_tokens").clear()
    driver.find_element(By.ID, "max_tokens").send_keys("40")
    driver.find_element(By.ID, "chat-input").send_keys(message)
    driver.find_element(By.ID, "chat-send").click()
    # Streaming: the answer grows piece by piece; done when Send is enabled again.
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".message.assistant .content")
               and d.find_element(By.ID, "chat-send").is_enabled())
    answer = driver.find_element(By.CSS_SELECTOR, ".message.assistant .content").text
    pieces = driver.execute_script("return window.lmforgeLastPieces")
    error = driver.find_element(By.ID, "error").text
    assert not error, f"page shows an error: {error}"
    assert answer.strip(), "no answer text"
    assert pieces and pieces > 1, f"the answer did not arrive as a stream ({pieces} pieces)"
    usage = driver.find_element(By.ID, "usage").text
    assert "tokens" in usage, usage
    driver.save_screenshot(prefix + "-chat.png")

    driver.find_element(By.ID, "lang").click()  # Chinese UI
    assert driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=chat]").text == "对话"
    driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=classify]").click()
    driver.find_element(By.ID, "classify-text").send_keys(classify_text)
    driver.find_element(By.ID, "classify").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#classify-result .token")
               or d.find_element(By.ID, "error").text)
    assert not driver.find_element(By.ID, "error").text, driver.find_element(By.ID, "error").text
    driver.save_screenshot(prefix + "-classify.png")
    print(f"browser check: chat answer of {len(answer)} characters in {pieces} streamed pieces; "
          f"classify highlighted; screenshots {prefix}-chat.png, {prefix}-classify.png")
finally:
    driver.quit()
