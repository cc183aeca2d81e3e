document.getElementById("app")!.textContent = "Roomdeck";
