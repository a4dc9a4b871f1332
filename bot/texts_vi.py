"""Citizen-facing strings that only the channels need (the core keeps its own in handlers/)."""

from __future__ import annotations

# --- every channel ---------------------------------------------------------------------------
TOO_LONG = (
    "Tin nhắn của ông/bà dài quá, tôi chưa đọc được. Ông/Bà vui lòng viết ngắn gọn câu hỏi "
    "(dưới {limit} ký tự), ví dụ: \u201clàm giấy khai sinh cần gì\u201d."
)
UNSUPPORTED = (
    "Tôi chỉ đọc được tin nhắn chữ và ảnh chụp mã QR trên phiếu hẹn. Ông/Bà vui lòng gõ câu "
    "hỏi, nhập mã hồ sơ, hoặc gửi ảnh mã QR."
)
IMAGE_TOO_BIG = (
    "Ảnh ông/bà gửi lớn quá (tối đa {limit_mb} MB). Ông/Bà vui lòng chụp lại phần mã QR trên "
    "phiếu hẹn rồi gửi lại, hoặc gõ mã hồ sơ."
)
IMAGE_UNREADABLE = (
    "Tôi chưa tải được ảnh ông/bà gửi. Ông/Bà vui lòng gửi lại ảnh, hoặc gõ mã hồ sơ trên "
    "phiếu hẹn."
)
BUTTON_EXPIRED = "Nút này đã cũ. Ông/Bà vui lòng gõ lại câu hỏi."
SORRY_ERROR = (
    "Xin lỗi ông/bà, tôi đang gặp trục trặc nên chưa trả lời được. Ông/Bà vui lòng thử lại sau "
    "ít phút."
)
NUMBERED_HINT = "Ông/Bà gõ số thứ tự để chọn."

# --- Telegram ---------------------------------------------------------------------------------
COMMANDS = {
    "start": "Bắt đầu trò chuyện với Trợ lý Một cửa",
    "hoso": "Các hồ sơ ông/bà đang theo dõi",
    "help": "Hướng dẫn hỏi thủ tục và tra cứu hồ sơ",
}

# --- web chat ---------------------------------------------------------------------------------
WEB_BAD_REQUEST = "Yêu cầu không hợp lệ. Ông/Bà vui lòng tải lại trang."
WEB_BUSY = "Ông/Bà gửi nhanh quá. Xin vui lòng chờ một chút rồi gửi lại."
WEB_OVERLOADED = (
    "Hệ thống đang có nhiều người dùng cùng lúc. Ông/Bà vui lòng gửi lại sau vài giây."
)

# --- terminal chat ----------------------------------------------------------------------------
CLI_WELCOME = "Trợ lý Một cửa. Gõ câu hỏi rồi nhấn Enter; gõ số để chọn; Ctrl-D để thoát."
CLI_PROMPT = "Ông/Bà: "

# Strings of the web chat page (filled into bot/web/static/index.html, read by app.js).
WEB_PAGE = {
    "title": "Trợ lý Một cửa",
    "subtitle": "Hỏi thủ tục hành chính, tra cứu hồ sơ",
    "log_label": "Hội thoại với Trợ lý Một cửa",
    "input_label": "Câu hỏi của ông/bà",
    "placeholder": "Ví dụ: làm giấy khai sinh cần gì",
    "send": "Gửi",
    "photo": "Gửi ảnh mã QR",
    "photo_hint": "Ảnh chụp mã QR trên phiếu hẹn",
    "you": "Ông/Bà",
    "bot": "Trợ lý",
    "sending": "Trợ lý đang trả lời…",
    "offline": "Chưa gửi được. Ông/Bà kiểm tra kết nối mạng rồi thử lại.",
    "photo_sent": "[Ảnh mã QR]",
    "no_script": "Trang này cần bật JavaScript để trò chuyện với Trợ lý Một cửa.",
    "footer": "Thông tin lấy từ Cơ sở dữ liệu quốc gia về thủ tục hành chính.",
}
# `motcua dossiers import`: a file refused before any row is stored (for staff).
IMPORT_ENCODING = {
    "mixed": (
        "Không nhập tệp {path}: tệp là UTF-8 đến dòng {line} rồi đổi sang bảng mã khác (có lẽ "
        "hai tệp xuất ghép lại). Chưa nhập dòng nào. Hãy xuất lại toàn bộ tệp bằng UTF-8."
    ),
    "not_text": (
        "Không nhập tệp {path}: từ dòng {line} không đọc được bằng UTF-8 hay Windows-1258. "
        "Chưa nhập dòng nào. Hãy xuất lại tệp bằng UTF-8."
    ),
}
CLI_EMPTY_QUESTION = 'Ông/Bà chưa nhập câu hỏi, ví dụ: motcua ask "làm giấy khai sinh cần gì".'
REPORT_BAD_PERIOD = "Ngày cuối (--to) phải sau hoặc bằng ngày đầu (--from)."
REPORT_UNAVAILABLE = (
    "Bản này chưa có phần truy vấn số liệu (storage/report_repo.py), nên chưa lập được báo cáo."
)
REPORT_TITLE = (
    "BÁO CÁO HOẠT ĐỘNG TRỢ LÝ MỘT CỬA: từ {start} đến {end} (giờ Việt Nam, tính cả hai ngày)"
)
REPORT_NONE = "—"
REPORT_RATING_VALUE = "Mức {value}"
# Labels of the report's keys (the --json output keeps the English keys).
REPORT_LABELS = {
    "questions": "Câu hỏi về thủ tục",
    "asked": "Số câu hỏi",
    "answered": "Trả lời bằng một thủ tục",
    "abstained": "Không có thủ tục phù hợp (chỉ dẫn sang Cổng DVC)",
    "choices_offered": "Đưa ra vài thủ tục để người dân chọn",
    "procedures_opened": "Lượt mở thủ tục qua nút bấm, lựa chọn, đường link",
    "lookups": "Tra cứu hồ sơ",
    "typed_codes": "Lượt gửi mã hồ sơ",
    "found": "Tìm thấy",
    "unknown": "Không có mã này",
    "malformed": "Mã sai định dạng",
    "rate_limited": "Bị tạm chặn vì tra cứu quá nhiều",
    "links": "Mở bằng đường link trên phiếu hẹn",
    "qr_photos": "Gửi ảnh mã QR",
    "subscriptions": "Đăng ký nhận thông báo",
    "started": "Đăng ký mới",
    "ended": "Đã dừng",
    "dossiers": "Hồ sơ",
    "received": "Tiếp nhận trong kỳ",
    "by_status": "Theo trạng thái hiện nay",
    "overdue_now": "Đang quá hạn (tại thời điểm lập báo cáo)",
    "returned": "Đã trả kết quả trong kỳ",
    "returned_on_time": "Trả đúng hạn",
    "returned_late": "Trả quá hạn",
    "notifications": "Thông báo gửi người dân",
    "sent": "Đã gửi",
    "failed": "Gửi không được",
    "by_rule": "Theo loại thông báo và kênh",
    "ratings": "Đánh giá mức độ hài lòng",
    "count": "Số lượt đánh giá",
    "average": "Điểm trung bình",
    "by_value": "Theo mức",
}
# Notification rules and channels as the outbox names them (a name not listed is shown as is).
REPORT_RULES = {
    "status": "Thay đổi trạng thái hồ sơ",
    "due_reminder": "Nhắc trước ngày hẹn trả",
    "overdue_apology": "Xin lỗi vì quá hạn",
    "collect_reminder": "Nhắc đến nhận kết quả",
    "satisfaction": "Hỏi mức độ hài lòng",
    "new_due_date": "Báo ngày hẹn mới",
}
REPORT_CHANNELS = {"telegram": "Telegram", "zalo": "Zalo", "web": "Web", "cli": "Dòng lệnh"}
