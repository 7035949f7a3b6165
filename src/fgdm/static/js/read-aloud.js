// Reads a story page aloud with the browser's own speech, where the browser has it.
// Without JavaScript or speech the button stays hidden and the page reads as normal.
const button = document.querySelector("[data-read-aloud]");
if (button && "speechSynthesis" in window) {
  const target = document.getElementById(button.dataset.readAloud);
  if (target) {
    button.hidden = false;
    button.addEventListener("click", () => {
      window.speechSynthesis.cancel();
      const utterance = new SpeechSynthesisUtterance(target.textContent.trim());
      utterance.lang = target.lang || document.documentElement.lang || "en";
      utterance.rate = 0.9;
      window.speechSynthesis.speak(utterance);
    });
  }
}
