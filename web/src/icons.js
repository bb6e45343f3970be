// The Element Plus icons the console uses, registered globally by name so a
// route's meta.icon can name one. Only these are bundled.
import {
  HomeFilled, OfficeBuilding, User, Lock, Key, Connection, SetUp, Document, Tickets, Monitor, Timer,
  Odometer, Notebook, QuestionFilled, InfoFilled, Search, Refresh, Plus, Edit, Delete, Upload, Download,
  ArrowDown, Fold, Expand, SwitchButton, Setting, VideoPause, VideoPlay, CaretRight, Rank, CircleCheck,
  CircleClose, WarningFilled, Unlock, Close, Iphone, CopyDocument, View, EditPen, DocumentChecked, Collection,
} from '@element-plus/icons-vue';

export const icons = {
  HomeFilled, OfficeBuilding, User, Lock, Key, Connection, SetUp, Document, Tickets, Monitor, Timer,
  Odometer, Notebook, QuestionFilled, InfoFilled, Search, Refresh, Plus, Edit, Delete, Upload, Download,
  ArrowDown, Fold, Expand, SwitchButton, Setting, VideoPause, VideoPlay, CaretRight, Rank, CircleCheck,
  CircleClose, WarningFilled, Unlock, Close, Iphone, CopyDocument, View, EditPen, DocumentChecked, Collection,
};
